"""The clinic's outcomes dashboard, read with aggregates in the database.

The clinic admin sees the whole clinic; a practitioner sees the courses of the patients
they are the primary practitioner for. Every figure is a GROUP BY in the database
(counts, conditional counts, sums and sums of squares); Python only turns those few
numbers into estimates with intervals (`acucare.domain.analytics`) and applies the
small-number rule. The outcome figures come from `CourseOutcome`, the per-course row the
outcome services keep (docs/analytics.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from acucare.accounts.models import User
from acucare.analytics.tables import DASH, Table, count, mean, rate, share
from acucare.assessments.models import ACKNOWLEDGED_LEVELS, Assessment, Decision
from acucare.core.actor import Actor
from acucare.core.words import words
from acucare.domain.analytics import (
    Interval,
    enough,
    mean_interval,
    rate_interval,
    wilson_interval,
)
from acucare.kb import registry
from acucare.kb.records.benchmarks import Benchmark, benchmarks_for
from acucare.kb.records.conditions import Condition
from acucare.kb.records.protocols import Protocol
from acucare.outcomes.models import (
    CourseOutcome,
    CourseReview,
    DischargeReason,
    Measurement,
    OutcomeStage,
)
from acucare.patients.conditions import read_code
from acucare.patients.models import Episode, EpisodeCondition, EpisodeStatus
from acucare.treatment.models import (
    AdverseEvent,
    PlanStatus,
    Seriousness,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)

# The primary measures whose change is on a 0–10 pain scale and may be averaged together
# (the PEG's total is the mean of its three 0–10 items).
PAIN_0_10 = ("nrs", "peg")
COMPLETED = (DischargeReason.GOALS_MET, DischargeReason.NO_RESPONSE, DischargeReason.REFERRED)
DROPPED_OUT = (DischargeReason.PATIENT_CHOICE, DischargeReason.LOST_TO_FOLLOW_UP)
# PGIC 1 "very much improved" and 2 "much improved".
PGIC_IMPROVED_AT_MOST = 2
REVIEW_BY_SESSION = 8
TRAJECTORY_SESSIONS = 12
ADVERSE = (Seriousness.MINOR, Seriousness.SIGNIFICANT_MINOR, Seriousness.SERIOUS)
STAGES = (
    OutcomeStage.REVIEW,
    OutcomeStage.DISCHARGE,
    OutcomeStage.FOLLOWUP_3,
    OutcomeStage.FOLLOWUP_12,
)


@dataclass(frozen=True)
class Scope:
    """Whose courses a dashboard covers."""

    actor: Actor
    clinic: bool  # the whole clinic (admin) or one practitioner's own patients

    @property
    def label(self) -> str:
        if self.clinic:
            return "the whole clinic"
        return f"the patients of {self.actor.user.display_name}"

    def episodes(self) -> QuerySet[Episode]:
        found = Episode.objects.all()
        if not self.clinic:
            found = found.filter(patient__primary_practitioner=self.actor.user)
        return found

    def under(self, prefix: str) -> Q:
        """Rows reached through an episode (`prefix` is the path to it)."""
        if self.clinic:
            return Q()
        return Q(**{f"{prefix}patient__primary_practitioner": self.actor.user})


def scope_for(actor: Actor) -> Scope:
    """The admin's clinic or the practitioner's own patients; anyone else is refused."""
    if not actor.user.is_active or not (actor.is_admin or actor.is_practitioner):
        raise PermissionDenied("The outcomes dashboard is for the clinic admin and practitioners.")
    return Scope(actor=actor, clinic=actor.is_admin)


# --- labels ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def condition_of(code: str) -> str:
    return read_code(code).condition_id or "" if code else ""


def condition_label(condition_id: str) -> str:
    found = registry().of(Condition).get(condition_id)
    return found.name if found else "Other or uncoded conditions"


def protocol_label(protocol_id: str) -> str:
    found = registry().of(Protocol).get(protocol_id.split("@")[0])
    return found.name if found else "No protocol"


# --- courses -------------------------------------------------------------------------------


def _approved_plans() -> QuerySet[TreatmentPlan]:
    return TreatmentPlan.objects.filter(
        episode=OuterRef("pk"),
        status__in=(PlanStatus.APPROVED, PlanStatus.SUPERSEDED),
        approved_at__isnull=False,
    )


def course_episodes(scope: Scope) -> QuerySet[Episode]:
    """Episodes with an approved plan: a course of acupuncture."""
    return scope.episodes().filter(Exists(_approved_plans()))


def courses_of(scope: Scope) -> QuerySet[Episode]:
    """The courses, each with its primary code and the protocol of its newest approved
    plan."""
    primary = EpisodeCondition.objects.filter(episode=OuterRef("pk"), position=0)
    newest = _approved_plans().order_by("-approved_at", "-id").values("protocol")[:1]
    return course_episodes(scope).annotate(
        code=Subquery(primary.values("icd10")[:1]), protocol_full=Subquery(newest)
    )


@dataclass
class Group:
    """Counts and sums of one (condition, protocol) group, merged in Python when several
    ICD-10 codes belong to the same condition."""

    values: dict[str, float] = field(default_factory=dict)

    def add(self, row: Mapping[str, Any]) -> None:
        for key, value in row.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.values[key] = self.values.get(key, 0) + value

    def int(self, key: str) -> int:
        return int(self.values.get(key, 0))

    def float(self, key: str) -> float:
        return float(self.values.get(key, 0.0))


def _grouped(
    rows: Iterable[Mapping[str, Any]], *, code_key: str = ""
) -> dict[tuple[str, str], Group]:
    groups: dict[tuple[str, str], Group] = {}
    for row in rows:
        condition = condition_of(str(row[code_key] or "")) if code_key else str(row["condition"])
        protocol = str(row["protocol"] or "").split("@")[0]
        groups.setdefault((condition, protocol), Group()).add(row)
    return groups


def _ordered(groups: Mapping[tuple[str, str], Group]) -> list[tuple[tuple[str, str], Group]]:
    return sorted(
        groups.items(), key=lambda kv: (condition_label(kv[0][0]), protocol_label(kv[0][1]))
    )


def _total(groups: Mapping[tuple[str, str], Group]) -> Group:
    total = Group()
    for group in groups.values():
        total.add(group.values)
    return total


def courses_table(scope: Scope) -> Table:
    """Courses by condition and protocol: started, completed, dropped out, still open."""
    rows = (
        courses_of(scope)
        # `code` and `protocol_full` are _courses' annotations, which the stubs cannot see.
        .values("code", "protocol_full")  # type: ignore[misc]
        .annotate(
            courses=Count("pk"),
            completed=Count("pk", filter=Q(discharge__reason__in=COMPLETED)),
            dropped=Count("pk", filter=Q(discharge__reason__in=DROPPED_OUT)),
            open=Count("pk", filter=~Q(status=EpisodeStatus.DISCHARGED)),
        )
        .order_by()
    )
    groups = _grouped(({**r, "protocol": r["protocol_full"]} for r in rows), code_key="code")

    def line(condition: str, protocol: str, g: Group) -> tuple[str, ...]:
        ended = g.int("completed") + g.int("dropped")
        return (
            condition,
            protocol,
            count(g.int("courses")),
            count(g.int("open")),
            count(g.int("completed")),
            count(g.int("dropped")),
            share(wilson_interval(g.int("dropped"), ended) if ended else None),
        )

    lines = [line(condition_label(c), protocol_label(p), g) for (c, p), g in _ordered(groups)]
    lines.append(line("All conditions", "All protocols", _total(groups)))
    return Table(
        slug="courses",
        title="Courses, completion and drop-out",
        columns=(
            "Condition",
            "Protocol",
            "Courses",
            "Still open",
            "Completed",
            "Dropped out",
            "Drop-out among ended courses (95 % CI)",
        ),
        rows=lines,
        caption=(
            "A course is an episode with an approved plan. Completed: discharged with the "
            "goals met, for no response, or referred. Dropped out: discharged at the "
            "patient's choice or lost to follow-up."
        ),
    )


# --- outcomes at a stage -----------------------------------------------------------------


def _outcome_sums() -> dict[str, Any]:
    pain = Q(instrument__in=PAIN_0_10, change__isnull=False)
    mme = Q(mme_baseline__isnull=False, mme_latest__isnull=False)
    mme_change = F("mme_latest") - F("mme_baseline")
    return {
        "n": Count("pk", filter=~Q(tier="")),
        "pain_n": Count("pk", filter=pain),
        "pain_sum": Sum("change", filter=pain),
        "pain_squares": Sum(F("change") * F("change"), filter=pain, output_field=FloatField()),
        "responders": Count("pk", filter=Q(responder=True)),
        "substantial": Count("pk", filter=Q(substantial=True)),
        "pgic_n": Count("pgic"),
        "pgic_improved": Count("pk", filter=Q(pgic__lte=PGIC_IMPROVED_AT_MOST)),
        "mme_n": Count("pk", filter=mme),
        "mme_sum": Sum(mme_change, filter=mme, output_field=FloatField()),
        "mme_squares": Sum(mme_change * mme_change, filter=mme, output_field=FloatField()),
    }


@dataclass(frozen=True)
class OutcomeFigures:
    courses: int
    fall: Interval | None  # mean fall in 0–10 pain (positive is better)
    responders: Interval | None
    substantial: Interval | None
    pgic: Interval | None
    mme: Interval | None  # mean change in MME per day (negative is less)


def figures(g: Group) -> OutcomeFigures:
    n = g.int("n")
    pain = mean_interval(g.int("pain_n"), -g.float("pain_sum"), g.float("pain_squares"))
    return OutcomeFigures(
        courses=n,
        fall=pain,
        responders=wilson_interval(g.int("responders"), n),
        substantial=wilson_interval(g.int("substantial"), n),
        pgic=wilson_interval(g.int("pgic_improved"), g.int("pgic_n")),
        mme=mean_interval(g.int("mme_n"), g.float("mme_sum"), g.float("mme_squares")),
    )


def outcome_groups(scope: Scope, stage: str) -> dict[tuple[str, str], Group]:
    rows = (
        CourseOutcome.objects.filter(scope.under("episode__"), stage=stage)
        .values("condition", "protocol")
        .annotate(**_outcome_sums())
        .order_by()
    )
    return _grouped(rows)


def outcome_table(scope: Scope, stage: str, groups: Mapping[tuple[str, str], Group]) -> Table:
    def line(condition: str, protocol: str, g: Group) -> tuple[str, ...]:
        f = figures(g)
        return (
            condition,
            protocol,
            count(f.courses),
            mean(f.fall),
            share(f.responders),
            share(f.substantial),
            share(f.pgic),
            mean(f.mme),
        )

    lines = [line(condition_label(c), protocol_label(p), g) for (c, p), g in _ordered(groups)]
    lines.append(line("All conditions", "All protocols", _total(groups)))
    label = OutcomeStage(stage).label
    return Table(
        slug=f"outcomes-{stage.replace('_', '-')}",
        title=f"Outcomes {label[0].lower()}{label[1:]}",
        columns=(
            "Condition",
            "Protocol",
            "Courses",
            "Mean fall in pain, 0–10 (95 % CI)",
            "Responders, 30 % or more (95 % CI)",
            "Responders, 50 % or more (95 % CI)",
            "Much or very much improved, PGIC (95 % CI)",
            "Mean change in morphine equivalents, mg a day (95 % CI)",
        ),
        rows=lines,
        caption=(
            "Each course's primary pain measure at its newest signed review, at discharge or "
            "at follow-up, against its baseline. A responder improved moderately (30 % or "
            "more) or substantially (50 % or more) by the review engine's tiers."
        ),
    )


# --- benchmarks -------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkLine:
    figure: str
    clinic: str
    benchmark: Benchmark
    verified: bool


def _verified(b: Benchmark) -> bool:
    return any(c.evidence != "unverified" for c in b.citations)


def _benchmark_value(b: Benchmark) -> str:
    unit = {
        "percent_of_patients": " %",
        "points_0_10": " points",
        "sd_units": " SD",
        "per_1000_sessions": " per 1,000",
    }[b.unit]
    interval = f" ({b.low:g} to {b.high:g})" if b.low is not None and b.high is not None else ""
    return f"{b.value:g}{unit}{interval}"


def benchmark_table(groups: Mapping[tuple[str, str], Group]) -> tuple[Table, list[BenchmarkLine]]:
    """The clinic's discharge figures for each condition beside what the trials' arms
    observed, with each comparison's caveat; context-only records follow."""
    by_condition: dict[str, Group] = {}
    for (condition, _protocol), g in groups.items():
        by_condition.setdefault(condition, Group()).add(g.values)
    lines: list[BenchmarkLine] = []
    for condition in sorted(by_condition, key=condition_label):
        f = figures(by_condition[condition])
        clinic = {
            "responders_moderate": share(f.responders),
            "responders_substantial": share(f.substantial),
            "mean_improvement_0_10": mean(f.fall),
        }
        for figure, text in clinic.items():
            for b in benchmarks_for(registry(), figure, condition):
                lines.append(BenchmarkLine(figure, text, b, _verified(b)))
    for b in sorted(registry().of(Benchmark).values(), key=lambda r: r.id):
        if b.compares_with == "none" and b.condition in by_condition:
            lines.append(BenchmarkLine("none", DASH, b, _verified(b)))
    figure_words = {
        "responders_moderate": "Responders, 30 % or more",
        "responders_substantial": "Responders, 50 % or more",
        "mean_improvement_0_10": "Mean fall in pain, 0–10",
        "none": "Context only: not compared",
    }
    table = Table(
        slug="benchmarks",
        title="Against the trials",
        columns=(
            "Condition",
            "Figure",
            "This clinic at discharge (95 % CI)",
            "Study and arm",
            "Observed in the study",
            "When",
            "Source checked",
            "Why the comparison is loose",
        ),
        rows=[
            (
                condition_label(str(line.benchmark.condition)),
                figure_words[line.figure],
                line.clinic,
                f"{line.benchmark.study}: {line.benchmark.arm}",
                _benchmark_value(line.benchmark),
                line.benchmark.timepoint,
                "yes" if line.verified else "no: shown, never compared",
                line.benchmark.caveat,
            )
            for line in lines
        ],
        caption=(
            "Trial arms are selected patients treated to a protocol and counted at a fixed "
            "time; a clinic treats whoever comes. A figure of the same order is all a "
            "comparison can show."
        ),
    )
    return table, lines


# --- safety ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyFigures:
    sessions: int
    courses: int
    by_seriousness: dict[str, int]
    by_kind: list[tuple[str, str, int]]  # (kind, seriousness, events)
    courses_with_event: int
    courses_needing_treatment: int


def session_totals(scope: Scope) -> dict[str, int]:
    """One pass over the signed sessions: how many, in how many courses, whose needle
    counts differ (and without an explanation), and with the STRICTA fields complete."""
    differ = ~Q(needles_in=F("needles_out"))
    totals = TreatmentSession.objects.filter(
        scope.under("plan__episode__"), status=SessionStatus.SIGNED
    ).aggregate(
        sessions=Count("pk"),
        differ=Count("pk", filter=differ),
        unexplained=Count("pk", filter=differ & Q(needle_count_explanation="")),
        complete=Count(
            "pk",
            filter=Q(retention_minutes__isnull=False)
            & ~Q(modality="")
            & ~Q(points=[])
            & ~Q(needle={}),
        ),
    )
    # The courses with a signed session: the count each episode carries
    # (acucare.treatment.counts), not a distinct count over the sessions.
    totals["courses"] = scope.episodes().filter(signed_sessions__gt=0).count()
    return {key: int(value or 0) for key, value in totals.items()}


def safety_figures(scope: Scope, totals: Mapping[str, int]) -> SafetyFigures:
    events = AdverseEvent.objects.filter(
        scope.under("session__plan__episode__"), session__status=SessionStatus.SIGNED
    )
    by_seriousness = {
        str(r["seriousness"]): int(r["n"])
        for r in events.values("seriousness").annotate(n=Count("pk")).order_by()
    }
    by_kind = [
        (str(r["type_code"]), str(r["seriousness"]), int(r["n"]))
        for r in events.filter(seriousness__in=ADVERSE)
        .values("type_code", "seriousness")
        .annotate(n=Count("pk"))
        .order_by("seriousness", "type_code")
    ]
    courses = events.filter(seriousness__in=ADVERSE).aggregate(
        with_event=Count("session__plan__episode", distinct=True),
        needing=Count("session__plan__episode", distinct=True, filter=Q(needed_treatment=True)),
    )
    return SafetyFigures(
        sessions=totals["sessions"],
        courses=totals["courses"],
        by_seriousness=by_seriousness,
        by_kind=by_kind,
        courses_with_event=int(courses["with_event"]),
        courses_needing_treatment=int(courses["needing"]),
    )


def _per_1000(events: int, f: SafetyFigures) -> str:
    return rate(rate_interval(events, f.sessions), events, courses=f.courses)


def safety_tables(f: SafetyFigures) -> list[Table]:
    minor = f.by_seriousness.get(Seriousness.MINOR, 0)
    significant = f.by_seriousness.get(Seriousness.SIGNIFICANT_MINOR, 0)
    serious = f.by_seriousness.get(Seriousness.SERIOUS, 0)
    expected = f.by_seriousness.get(Seriousness.EXPECTED_TRANSIENT, 0)
    clinic = {
        "events_per_1000": (
            minor + significant + serious,
            _per_1000(minor + significant + serious, f),
        ),
        "significant_per_1000": (significant, _per_1000(significant, f)),
        "serious_per_1000": (serious, _per_1000(serious, f)),
        "patients_with_event": (
            f.courses_with_event,
            share(wilson_interval(f.courses_with_event, f.courses) if f.courses else None),
        ),
        "patients_needing_treatment": (
            f.courses_needing_treatment,
            share(wilson_interval(f.courses_needing_treatment, f.courses) if f.courses else None),
        ),
    }
    figure_words = {
        "events_per_1000": "Adverse events per 1,000 sessions (expected reactions left out)",
        "significant_per_1000": "Significant minor events per 1,000 sessions",
        "serious_per_1000": "Serious events per 1,000 sessions",
        "patients_with_event": "Courses with an adverse event",
        "patients_needing_treatment": "Courses with an event that needed treatment",
    }
    rows: list[tuple[str, ...]] = []
    for figure, (events, text) in clinic.items():
        found: list[Benchmark | None] = [*benchmarks_for(registry(), figure)]
        for b in found or [None]:
            rows.append(
                (
                    figure_words[figure],
                    count(events),
                    text,
                    b.study if b else DASH,
                    _benchmark_value(b) if b else DASH,
                    b.caveat if b else "",
                )
            )
    against = Table(
        slug="safety",
        title="Safety against the prospective surveys",
        columns=(
            "Figure",
            "Events or courses",
            "This clinic (95 % CI)",
            "Survey",
            "Observed in the survey",
            "Why the comparison is loose",
        ),
        rows=rows,
        caption=(
            f"Over {count(f.sessions)} signed sessions in {count(f.courses)} courses; "
            f"{count(expected)} expected transient reactions were recorded and are not counted "
            "as adverse events. Rates use the exact Poisson interval."
        ),
    )
    kinds = Table(
        slug="safety-by-kind",
        title="Adverse events by kind and seriousness",
        columns=("Kind", "Seriousness", "Events", "Per 1,000 sessions (95 % CI)"),
        rows=[
            (words(kind), Seriousness(seriousness).label, count(n), _per_1000(n, f))
            for kind, seriousness, n in f.by_kind
        ],
        caption="Events recorded with signed sessions, or reported later by an amendment.",
    )
    return [against, kinds]


# --- records to look at --------------------------------------------------------------------


def attention_table(scope: Scope, sessions: Mapping[str, int]) -> Table:
    """Needle counts that differ and screening findings nobody has acknowledged."""
    findings = 0
    assessments = 0
    for assessment in Assessment.objects.filter(
        scope.under("episode__"),
        superseded_at__isnull=True,
        decision__in=(Decision.REFER_BEFORE_TREATMENT, Decision.URGENT_REFERRAL),
    ).prefetch_related("acknowledgements"):
        pending = assessment.unacknowledged_count
        findings += pending
        assessments += 1 if pending else 0
    return Table(
        slug="attention",
        title="Records to look at",
        columns=("What", "Count"),
        rows=[
            (
                "Signed sessions whose needle counts in and out differ",
                count(sessions["differ"]),
            ),
            ("… of which without an explanation", count(sessions["unexplained"])),
            (
                "Screening findings (refer or urgent) not yet acknowledged",
                count(findings),
            ),
            ("Current assessments with a finding not acknowledged", count(assessments)),
        ],
        caption=(
            f"Findings at the levels {', '.join(ACKNOWLEDGED_LEVELS)} must each be "
            "acknowledged before a plan is approved."
        ),
    )


# --- data quality -------------------------------------------------------------------------


def quality_table(scope: Scope, sessions: Mapping[str, int]) -> Table:
    # Each share is one conditional count over the courses, its condition an IN over a
    # subquery computed once (never a subquery per course); a course's signed sessions
    # are the count its episode carries (acucare.treatment.counts).
    long = Q(signed_sessions__gte=REVIEW_BY_SESSION)
    baseline = Q(pk__in=Measurement.objects.filter(kind="baseline").values("episode")) | Q(
        pk__in=Assessment.objects.filter(
            intake_document__questionnaires__has_any_keys=list(PAIN_0_10)
        ).values("episode")
    )
    reviewed = Q(
        pk__in=CourseReview.objects.filter(sessions_delivered__lte=REVIEW_BY_SESSION).values(
            "episode"
        )
    )
    measured = Q(pk__in=Measurement.objects.filter(kind="review").values("episode"))
    totals = course_episodes(scope).aggregate(
        n=Count("pk"),
        baseline=Count("pk", filter=baseline),
        long=Count("pk", filter=long),
        long_reviewed=Count("pk", filter=long & reviewed),
        long_measured=Count("pk", filter=long & measured),
    )
    courses = {key: int(value or 0) for key, value in totals.items()}

    def part(k: int, n: int) -> tuple[str, str]:
        return count(k), share(wilson_interval(k, n) if n else None)

    rows = [
        (
            "Signed sessions with the STRICTA needling fields complete",
            count(sessions["sessions"]),
            *part(sessions["complete"], sessions["sessions"]),
        ),
        (
            "Courses with baseline pain questionnaires",
            count(int(courses["n"])),
            *part(int(courses["baseline"]), int(courses["n"])),
        ),
        (
            "Courses past session 8 with review questionnaires",
            count(courses["long"]),
            *part(int(courses["long_measured"]), courses["long"]),
        ),
        (
            "Courses past session 8 without a signed review by session 8",
            count(courses["long"]),
            *part(courses["long"] - courses["long_reviewed"], courses["long"]),
        ),
    ]
    return Table(
        slug="data-quality",
        title="Data quality",
        columns=("What", "Out of", "Count", "Share (95 % CI)"),
        rows=rows,
        caption=(
            "STRICTA complete: points, needle, retention time and modality recorded. A "
            "baseline counts whether it was taken at intake or recorded later."
        ),
    )


# --- plots' data -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrajectoryPoint:
    session: int
    group: str  # "responder", "non_responder"
    n: int
    mean_pain: float


def _responded(responder: bool) -> Q:
    """Courses whose status at discharge, or at review when not discharged, is
    `responder`: semi-joins on the outcome rows, each subquery computed once."""
    rows = CourseOutcome.objects.exclude(tier="")
    discharged = rows.filter(stage=OutcomeStage.DISCHARGE)
    at_discharge = discharged.filter(responder=responder).values("episode")
    at_review = rows.filter(stage=OutcomeStage.REVIEW, responder=responder).values("episode")
    return Q(plan__episode__in=at_discharge) | (
        Q(plan__episode__in=at_review) & ~Q(plan__episode__in=discharged.values("episode"))
    )


def trajectories(scope: Scope) -> list[TrajectoryPoint]:
    """Mean pain before each of the first sessions, by the course's responder status at
    discharge (at its review when not discharged)."""
    sessions = TreatmentSession.objects.filter(
        scope.under("plan__episode__"),
        status=SessionStatus.SIGNED,
        pain_before__isnull=False,
        number__lte=TRAJECTORY_SESSIONS,
    )
    groups = (("responder", True), ("non_responder", False))
    # One pass over the sessions: each group's count and mean is a conditional aggregate.
    sums: dict[str, Count | Avg] = {}
    for group, responder in groups:
        sums[f"{group}_n"] = Count("pk", filter=_responded(responder))
        sums[f"{group}_mean"] = Avg("pain_before", filter=_responded(responder))
    rows: list[Mapping[str, Any]] = list(
        sessions.values("number").annotate(**sums).order_by("number")
    )
    return [
        TrajectoryPoint(int(r["number"]), group, int(r[f"{group}_n"]), float(r[f"{group}_mean"]))
        for group, _responder in groups
        for r in rows
        if r[f"{group}_n"]
    ]


@dataclass(frozen=True)
class FunnelUnit:
    label: str
    courses: int
    responders: int


def funnel_units(scope: Scope) -> tuple[list[FunnelUnit], int, int]:
    """Responders at discharge by practitioner, and the clinic's totals (the funnel's
    target). A practitioner's dashboard shows only their own point; the clinic's rate is
    an aggregate of every course."""
    rows = (
        CourseOutcome.objects.filter(stage=OutcomeStage.DISCHARGE)
        .exclude(tier="")
        .values("episode__patient__primary_practitioner")
        .annotate(n=Count("pk"), responders=Count("pk", filter=Q(responder=True)))
        .order_by("episode__patient__primary_practitioner")
    )
    found = list(rows)
    names = {
        u.pk: u.display_name
        for u in User.objects.filter(
            pk__in=[r["episode__patient__primary_practitioner"] for r in found]
        )
    }
    units = [
        FunnelUnit(
            names.get(r["episode__patient__primary_practitioner"], "A practitioner"),
            int(r["n"]),
            int(r["responders"]),
        )
        for r in found
        if scope.clinic or r["episode__patient__primary_practitioner"] == scope.actor.user.pk
    ]
    return units, sum(int(r["n"]) for r in found), sum(int(r["responders"]) for r in found)


# --- the whole dashboard ------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    generated: dt.datetime
    tables: list[Table]
    benchmarks: list[BenchmarkLine]
    trajectory: list[TrajectoryPoint]
    funnel: list[FunnelUnit]
    clinic_courses: int
    clinic_responders: int

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if t.slug == slug), None)

    @property
    def suppressed_note(self) -> str:
        return "“<5” is a count from 1 to 4; “—” is a figure over fewer than five courses, or none."


def dashboard(scope: Scope, now: dt.datetime) -> Dashboard:
    """Every table and plot of the dashboard for one scope."""
    stages = {stage: outcome_groups(scope, stage) for stage in STAGES}
    sessions = session_totals(scope)
    benchmarks, lines = benchmark_table(stages[OutcomeStage.DISCHARGE])
    units, clinic_n, clinic_responders = funnel_units(scope)
    tables = [
        courses_table(scope),
        *(outcome_table(scope, stage, stages[stage]) for stage in STAGES),
        benchmarks,
        *safety_tables(safety_figures(scope, sessions)),
        attention_table(scope, sessions),
        quality_table(scope, sessions),
    ]
    return Dashboard(
        scope=scope,
        generated=now,
        tables=tables,
        benchmarks=lines,
        trajectory=trajectories(scope),
        funnel=units,
        clinic_courses=clinic_n,
        clinic_responders=clinic_responders,
    )


__all__ = ["Dashboard", "Scope", "dashboard", "enough", "scope_for"]
