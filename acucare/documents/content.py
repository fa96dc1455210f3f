"""What a document says, built from records already read (no queries, no writes).

Every document is one `DocumentContent`: a title, whom it is written to, the patient,
an opening paragraph, sections (paragraphs, lists, a table, a chart) and the sources it
cites. One template lays all of them out (`documents/pdf.html`), so the letterhead,
signature and accessibility work are done once. The clinical statements come from the
record and the knowledge base, never from text written here: a referral letter quotes
the screening's findings (the rule's message, rationale and action, its referral level
and citations); a report quotes the course, the sessions as charted (STRICTA 2010), the
review engine's tier and the practitioner's decision.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from acucare.core.words import prose, words
from acucare.domain.errors import InputError
from acucare.kb import registry
from acucare.kb.records.citations import Citation
from acucare.kb.records.protocols import Protocol
from acucare.outcomes import charts
from acucare.outcomes.engine import instrument_names
from acucare.outcomes.progress import TIER_LABELS, Progress, measurement_totals
from acucare.patients.models import Addressee, Episode
from acucare.treatment.charting import EVENT_WORDS

# The order of urgency of a screening's referral levels, most urgent first, and how a
# letter states it (acucare.assessments.questions.REFERRAL_LABELS says the same for pages).
URGENCY = {
    "emergency": "Emergency: the patient needs to be seen today, as an emergency.",
    "same_day": "Urgent: please see the patient today.",
    "routine": "Routine: please see the patient before acupuncture begins.",
}


@dataclass(frozen=True)
class EventFacts:
    """An adverse event as a report states it."""

    type_code: str
    seriousness: str  # the label, e.g. "Minor"
    duration_days: int | None
    needed_treatment: bool


@dataclass(frozen=True)
class SessionFacts:
    """One session as charted (STRICTA 2010), numbered across the episode."""

    number: int
    date: dt.date
    points: Sequence[Mapping[str, Any]]
    needle: Mapping[str, Any]
    electro_pairs: Sequence[Mapping[str, Any]]
    retention_minutes: int | None
    needles_in: int
    pain_before: int | None
    pain_after: int | None
    signed: bool = True
    adverse_events: tuple[EventFacts, ...] = ()


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """An SVG chart drawn by `acucare.outcomes.charts`, with its text alternative."""

    title: str
    description: str
    width: int
    height: int
    svg_body: str
    table: Table


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    table: Table | None = None
    chart: Chart | None = None


@dataclass(frozen=True)
class DocumentContent:
    kind: str
    title: str
    patient_name: str
    patient_born: dt.date
    patient_address: str
    date: dt.date
    opening: str
    sections: tuple[Section, ...]
    addressee: Addressee | None = None
    urgency: str = ""  # a referral letter's urgency, shown first
    references: tuple[str, ...] = ()
    audience: str = "clinician"  # or "patient": plain words, no codes
    # The record the document is about: (subject type, public id).
    subject: tuple[str, str] = ("episode", "")
    kb_version: str = ""

    @property
    def patient_address_line(self) -> str:
        return ", ".join(line.strip() for line in self.patient_address.splitlines() if line.strip())


def citation_text(citation_id: str) -> str:
    record = registry().of(Citation).get(citation_id)
    if record is None:
        return citation_id
    where = f" https://doi.org/{record.doi}" if record.doi else ""
    if not where and record.url:
        where = f" {record.url}"
    return f"{record.authors} ({record.year}). {record.title}.{where}"


def _patient_fields(episode: Episode) -> dict[str, Any]:
    patient = episode.patient
    return {
        "patient_name": patient.full_name,
        "patient_born": patient.date_of_birth,
        "patient_address": patient.address,
    }


def _conditions(episode: Episode) -> tuple[str, ...]:
    lines = []
    for position, condition in enumerate(episode.conditions.all()):
        reading = condition.reading
        name = reading.descriptor or reading.condition_name or ""
        primary = " (primary)" if position == 0 else ""
        weeks = (
            f", {condition.duration_weeks} weeks at referral"
            if condition.duration_weeks is not None
            else ""
        )
        lines.append(f"{condition.icd10} {name}{primary}{weeks}".replace("  ", " "))
    return tuple(lines)


# ---------------------------------------------------------------------------------------
# The referral letter


def referral_letter(
    *, episode: Episode, assessment: Any, findings: Sequence[Any], today: dt.date
) -> DocumentContent:
    """A letter to the referrer or GP about the screening findings that need a doctor.

    `findings` are the assessment's finding views (acucare.assessments.presentation),
    most severe first; only those whose rule asks for a referral are written about.
    """
    referred = [f for f in findings if f.referral in URGENCY]
    if not referred:
        raise InputError(
            "kind",
            "The current screening found nothing that needs a doctor, so there is no "
            "referral letter to write.",
        )
    most = min(referred, key=lambda f: list(URGENCY).index(f.referral))
    patient = episode.patient
    seen = f"{assessment.created_at:%-d %B %Y}"
    sections = (
        Section(
            "What was found",
            paragraphs=(
                f"At the safety screening on {seen}, before any acupuncture, the following "
                "needs a medical assessment:",
            ),
            items=tuple(f"{f.message} ({f.referral_label.lower()})" for f in referred),
        ),
        Section(
            "Why it matters",
            items=tuple(
                f"{prose(f.rationale)} The screening's advice: {prose(f.action)}" for f in referred
            ),
        ),
        Section(
            "What I am asking",
            items=(
                *(f"Please assess: {f.message}" for f in referred),
                "Please let me know whether acupuncture may go ahead (cleared or not "
                "cleared), and anything I should know about the care you arrange.",
            ),
        ),
        Section("Condition", items=_conditions(episode)),
    )
    references: list[str] = []
    for f in referred:
        for c in f.citations:
            text = citation_text(c.id)
            if text not in references:
                references.append(text)
    return DocumentContent(
        kind="referral_letter",
        title="Referral letter",
        **_patient_fields(episode),
        date=today,
        addressee=episode.addressee,
        urgency=URGENCY[most.referral],
        opening=(
            f"I am writing about {patient.full_name}, born {patient.date_of_birth:%-d %B %Y}, "
            f"who came to the clinic for acupuncture for {episode.complaint.lower()}. "
            "The safety screening found signs that need a doctor's assessment first. "
            "I have not started acupuncture."
        ),
        sections=sections,
        references=tuple(references),
        subject=("assessment", str(assessment.public_id)),
        kb_version=str(assessment.kb_version),
    )


# ---------------------------------------------------------------------------------------
# Reports: what was delivered (STRICTA 2010 items 2 and 3), outcomes, adverse events


def _number(value: float) -> str:
    return f"{value:g}"


def stricta_summary(sessions: Sequence[SessionFacts]) -> Section:
    """Sessions, points, needles, stimulation, retention and electroacupuncture of the
    charted sessions (STRICTA 2010 items 2 and 3: points, depth, response, stimulation,
    retention, needle type, number and frequency of sessions)."""
    if not sessions:
        return Section("Treatment delivered", paragraphs=("No sessions have been charted.",))
    dates = sorted(s.date for s in sessions)
    points: Counter[str] = Counter()
    sides: dict[str, set[str]] = {}
    for s in sessions:
        for p in s.points:
            points[str(p["code"])] += 1
            sides.setdefault(str(p["code"]), set()).add(words(p.get("side", "")).lower())
    needles = Counter(
        f"{_number(s.needle['gauge_mm'])} × {_number(s.needle['length_mm'])} mm, "
        f"{words(s.needle.get('material', 'stainless_steel')).lower()}"
        for s in sessions
        if s.needle
    )
    retention = sorted({s.retention_minutes for s in sessions if s.retention_minutes})
    counts = [s.needles_in for s in sessions]
    items = [
        f"{len(sessions)} session{'s' if len(sessions) != 1 else ''} from "
        f"{dates[0]:%-d %b %Y} to {dates[-1]:%-d %b %Y}.",
        "Points (sessions used): "
        + "; ".join(
            f"{code} {'/'.join(sorted(sides[code] - {''}))} ({n})".replace(" ()", "")
            for code, n in sorted(points.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        + ".",
        f"Needles inserted per session: {min(counts)} to {max(counts)}."
        if min(counts) != max(counts)
        else f"Needles inserted per session: {counts[0]}.",
        "Needles (gauge × length, material): "
        + "; ".join(f"{n} ({k} sessions)" if k > 1 else n for n, k in needles.items())
        + ".",
    ]
    if retention:
        span = (
            f"{retention[0]} minutes"
            if len(retention) == 1
            else f"{retention[0]} to {retention[-1]} minutes"
        )
        items.append(f"Needle retention: {span}.")
    electro = [
        (s.number, pair) for s in sessions for pair in (s.electro_pairs or []) if pair is not None
    ]
    rows = tuple(
        (
            str(number),
            " – ".join(f"{e['code']} {words(e['side']).lower()}" for e in pair["electrodes"]),
            f"{_number(pair['frequency_hz'])} Hz",
            words(pair["waveform"]),
            words(pair["intensity"]),
            f"{pair['duration_minutes']} min",
        )
        for number, pair in electro
    )
    table = (
        Table(
            "Electroacupuncture",
            ("Session", "Electrodes", "Frequency", "Waveform", "Intensity", "Duration"),
            rows,
        )
        if rows
        else None
    )
    if not rows:
        items.append("No electroacupuncture.")
    unsigned = [str(s.number) for s in sessions if not s.signed]
    if unsigned:
        items.append(
            "Not yet signed by the practitioner (the record may still change): session"
            f"{'s' if len(unsigned) > 1 else ''} {', '.join(unsigned)}."
        )
    return Section("Treatment delivered (STRICTA)", items=tuple(items), table=table)


def adverse_events_section(sessions: Sequence[SessionFacts], *, plain: bool = False) -> Section:
    events = [(s.number, e) for s in sessions for e in s.adverse_events]
    heading = "Side effects" if plain else "Adverse events"
    if not events:
        text = (
            "No side effects were recorded." if plain else "None recorded in the sessions charted."
        )
        return Section(heading, paragraphs=(text,))

    def named(code: str) -> str:
        return EVENT_WORDS.get(code, words(code)) if plain else words(code)

    items = tuple(
        f"Session {number}: {named(e.type_code).lower()}, {e.seriousness.lower()}"
        + (f", {e.duration_days} days" if e.duration_days else "")
        + (", needed treatment" if e.needed_treatment else "")
        + "."
        for number, e in events
    )
    return Section(heading, items=items)


def pain_chart(progress: Progress, *, up_to: int | None = None) -> Chart | None:
    sessions = [
        charts.PainSession(s.number, f"{s.date:%-d %b %Y}", s.pain_before, s.pain_after)
        for s in progress.course.sessions
        if up_to is None or s.number <= up_to
    ]
    if not sessions:
        return None
    reviews = [
        r.sessions_delivered
        for r in progress.reviews
        if up_to is None or r.sessions_delivered <= up_to
    ]
    primary = progress.primary or {}
    baseline = primary.get("baseline")
    instrument = str(primary.get("instrument") or "")
    drawn = charts.pain_chart(
        sessions,
        # The patient's diary pain, as on the outcomes page (up to the letter's session).
        diary=[d for d in progress.diary_days if up_to is None or d.session <= up_to],
        baseline=float(baseline)
        if instrument in ("nrs", "peg") and isinstance(baseline, int | float)
        else None,
        baseline_label=progress.primary_instrument_name,
        reviews=reviews,
        discharge=progress.discharge.sessions_delivered
        if progress.discharge and up_to is None
        else None,
        planned=progress.planned,
    )
    return chart_of(drawn)


def chart_of(drawn: charts.Chart) -> Chart:
    """The outcomes page's pain chart as a document shows it: the SVG and its table."""
    table = Table(drawn.title, tuple(drawn.columns), tuple(tuple(row) for row in drawn.rows))
    return Chart(
        drawn.title,
        drawn.description,
        drawn.width,
        drawn.height,
        str(drawn.svg_body()),
        table,
    )


def _tier(review_document: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    primary = review_document.get("primary")
    if not isinstance(primary, Mapping):
        return "", {}
    return TIER_LABELS.get(str(primary.get("tier")), ""), primary


def _scores_table(progress: Progress, up_to: int | None) -> Table | None:
    rows = []
    for point in [progress.course.baseline, *progress.course.measurements]:
        if point is None or (up_to is not None and point.session > up_to):
            continue
        for instrument, total in _totals(point).items():
            rows.append(
                (
                    words(point.kind),
                    f"{point.date:%-d %b %Y}",
                    str(point.session),
                    instrument,
                    _number(total),
                )
            )
    if not rows:
        return None
    return Table(
        "Questionnaire scores",
        ("Measured at", "Date", "After session", "Questionnaire", "Score"),
        tuple(rows),
    )


def _totals(point: Any) -> dict[str, float]:
    """Totals by the questionnaire's short name (PEG, PHQ-9), scored as the outcomes
    page scores them."""
    return {instrument_names([k])[0]: v for k, v in measurement_totals(point).items()}


def _plan_section(progress: Progress) -> Section:
    plan = progress.plan
    if plan is None:
        return Section("Plan and protocol", paragraphs=("No care plan has been approved.",))
    protocol = registry().of(Protocol).get(plan.protocol) if plan.protocol else None
    items = []
    if protocol is not None:
        items.append(f"Protocol: {protocol.name}. {prose(protocol.summary)}")
        items.extend(f"Source: {citation_text(c.id)}" for c in protocol.citations[:2])
    approved = f"approved on {plan.approved_at:%-d %b %Y}" if plan.approved_at else "not approved"
    items.insert(0, f"Care plan {approved}; {progress.planned or 'no'} sessions planned.")
    return Section("Plan and protocol", items=tuple(items))


def _outcome_section(
    progress: Progress, review_document: Mapping[str, Any], up_to: int | None
) -> Section:
    tier, primary = _tier(review_document)
    paragraphs = []
    if tier:
        change = ""
        if primary.get("baseline") is not None and primary.get("latest") is not None:
            instrument = instrument_names([str(primary.get("instrument", ""))])[0]
            change = f" ({instrument} {primary['baseline']} → {primary['latest']}"
            if primary.get("percent_change") is not None:
                change += f", {primary['percent_change']} %"
            change += ")"
        paragraphs.append(f"Response (IMMPACT tier): {tier}{change}.")
    elif primary.get("message"):
        paragraphs.append(prose(primary["message"]))
    else:
        paragraphs.append("The response cannot be judged yet: not enough has been measured.")
    return Section(
        "Outcomes",
        paragraphs=tuple(paragraphs),
        table=_scores_table(progress, up_to),
        chart=pain_chart(progress, up_to=up_to),
    )


def clinical_report(
    *,
    kind: str,
    progress: Progress,
    sessions: Sequence[SessionFacts],
    subject: Any,
    today: dt.date,
) -> DocumentContent:
    """A progress report (subject: a course review) or a discharge summary (subject: the
    discharge) for the referrer: condition, plan and protocol, what was delivered,
    outcomes with the pain chart and tier, adverse events and the recommendation."""
    episode = progress.episode
    up_to = int(subject.sessions_delivered)
    delivered = (
        [s for s in sessions if s.number <= up_to] if kind == "progress_report" else list(sessions)
    )
    if kind == "progress_report":
        title = f"Progress report after session {up_to}"
        recommendation = Section(
            "Recommendation",
            paragraphs=(
                f"Decision at the review: {subject.get_decision_display()}. {subject.reason}",
            ),
        )
        opening = (
            f"This is a progress report on {episode.patient.full_name}'s acupuncture for "
            f"{episode.complaint.lower()}, written at the review after session {up_to} "
            f"on {subject.signed_at:%-d %B %Y}."
        )
        subject_ref = ("course_review", str(subject.public_id))
    else:
        title = "Discharge summary"
        followups = "; ".join(
            f"{dt.date.fromisoformat(str(f['due'])):%-d %b %Y}"
            + (
                f" ({', '.join(instrument_names(f['instruments']))})"
                if f.get("instruments")
                else ""
            )
            for f in subject.followups
        )
        recommendation = Section(
            "Recommendations",
            paragraphs=(
                f"Reason for discharge: {subject.get_reason_display()}.",
                f"Advice given: {subject.advice}",
                *([f"Follow-up questionnaires due: {followups}."] if followups else []),
            ),
        )
        opening = (
            f"{episode.patient.full_name} was discharged from acupuncture for "
            f"{episode.complaint.lower()} on {subject.date:%-d %B %Y} after "
            f"{subject.sessions_delivered} session{'s' if subject.sessions_delivered != 1 else ''}."
        )
        subject_ref = ("discharge", str(subject.public_id))
    return DocumentContent(
        kind=kind,
        title=title,
        **_patient_fields(episode),
        date=today,
        addressee=episode.addressee,
        opening=opening,
        sections=(
            Section("Condition", items=_conditions(episode)),
            _plan_section(progress),
            stricta_summary(delivered),
            _outcome_section(progress, subject.review_document, up_to),
            adverse_events_section(delivered),
            recommendation,
        ),
        subject=subject_ref,
        kb_version=str(subject.kb_version),
    )


# ---------------------------------------------------------------------------------------
# The patient's own progress report, in plain words

PLAIN_TIERS = {
    "substantial_improvement": "Your pain is much better than when you started.",
    "moderate_improvement": "Your pain is clearly better than when you started.",
    "minimal_improvement": "Your pain is a little better than when you started.",
    "no_important_change": "Your pain has not changed much since you started.",
    "worse": "Your pain is worse than when you started.",
}
PLAIN_DECISIONS = {
    "continue": "We agreed to carry on with the same treatment.",
    "change_plan": "We agreed to change your treatment plan.",
    "stop": "We agreed to stop acupuncture.",
    "refer": "We agreed that you should see a doctor or another specialist.",
    "discharge": "We agreed that your course of treatment is complete.",
}


def patient_report(
    *, progress: Progress, sessions: Sequence[SessionFacts], today: dt.date
) -> DocumentContent:
    """The patient's progress report: short sentences, no codes, what happens next."""
    episode = progress.episode
    review = progress.reviews[-1] if progress.reviews else None
    review_document: Mapping[str, Any] = (
        progress.discharge.review_document
        if progress.discharge is not None
        else review.review_document
        if review is not None
        else progress.review or {}
    )
    primary = review_document.get("primary") if isinstance(review_document, Mapping) else None
    tier = str(primary.get("tier")) if isinstance(primary, Mapping) else ""
    count = len(sessions)
    how = [PLAIN_TIERS.get(tier, "It is too early to say how much the treatment has helped.")]
    if count:
        firsts = [s.pain_before for s in sessions if s.pain_before is not None]
        if firsts:
            how.append(
                f"You scored your pain {firsts[0]} out of 10 before your first session "
                f"and {firsts[-1]} out of 10 before your latest one."
            )
    if progress.discharge is not None:
        nxt = [
            "Your course of treatment is complete.",
            f"Our advice: {progress.discharge.advice}",
        ]
    elif review is not None:
        nxt = [PLAIN_DECISIONS.get(review.decision, ""), review.reason]
    else:
        nxt = ["We will look at your progress together at your next review."]
    nxt.append("If your pain gets much worse, or you have new symptoms, contact your doctor.")
    events = adverse_events_section(sessions, plain=True)
    return DocumentContent(
        kind="patient_report",
        title="Your progress report",
        **_patient_fields(episode),
        date=today,
        opening=(
            f"Dear {episode.patient.preferred_name or episode.patient.given_name}, this "
            f"report sums up your acupuncture for {episode.complaint.lower()} so far. "
            f"You have had {count} session{'s' if count != 1 else ''}."
        ),
        sections=(
            Section("How you are doing", paragraphs=tuple(h for h in how if h)),
            Section(
                "Your pain at each session",
                chart=pain_chart(progress),
                paragraphs=("The chart shows your pain before and after each session.",),
            ),
            events,
            Section("What happens next", paragraphs=tuple(n for n in nxt if n)),
        ),
        audience="patient",
        subject=("course_review", str(review.public_id))
        if review is not None
        else ("episode", str(episode.public_id)),
        kb_version=str(review.kb_version) if review is not None else "",
    )


def subject_of(items: Iterable[Any]) -> Any | None:
    """The newest of `items` (reviews by when they were signed), or None."""
    found = sorted(items, key=lambda r: (r.signed_at, r.pk))
    return found[-1] if found else None
