"""The demo clinic's patients and how far each has come in their care.

Each patient is registered by reception and then taken to their stage by their
practitioner through the same services the pages use (with a `system`-channel actor), so
every assessment, acknowledgement, plan and session carries real screening results,
knowledge-base versions, validations and audit rows:

- registered: demographics only (booked for a first appointment);
- new: an episode of care with its conditions, no intake yet;
- screened: a complete intake and its safety screening;
- planned: screening findings acknowledged where needed, a plan generated and approved;
- mid_course: 3 to 6 signed sessions charted against the approved plan;
- discharged: a completed course and the episode discharged.

The clinical content is fixed (no random data); dates count back from the `today` the
loader is given, so the demo looks the same whenever it is loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict

from acucare.accounts.models import User
from acucare.assessments import services as assessments
from acucare.core.actor import Actor, system_actor
from acucare.demo.outcomes import Response, pain_after, pain_before, record_discharge, record_review
from acucare.patients import services as patients
from acucare.patients.models import Episode, EpisodeStatus, Patient
from acucare.treatment import services as treatment
from acucare.treatment.models import TreatmentPlan

Stage = Literal["registered", "new", "screened", "planned", "mid_course", "discharged"]
STAGES: tuple[Stage, ...] = (
    "registered",
    "new",
    "screened",
    "planned",
    "mid_course",
    "discharged",
)
STAGE_LABELS: dict[Stage, str] = {
    "registered": "registered only",
    "new": "new episode, no intake",
    "screened": "intake screened",
    "planned": "plan approved",
    "mid_course": "mid-course",
    "discharged": "discharged",
}


def numbered(*answers: int) -> dict[str, int]:
    """A questionnaire's answers keyed by item number, from item 1 in order."""
    return {str(item): answer for item, answer in enumerate(answers, start=1)}


@dataclass(frozen=True)
class Intake:
    """The clinical part of an intake; age, sex and conditions come from the record."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    pain_sites: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    questionnaires: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    pregnancy_weeks: int | None = None
    # Findings (rule id -> note) the practitioner acknowledges after saving this intake.
    acknowledge: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Course:
    """How the sessions of a patient went (STRICTA items the plan does not fix)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    sessions: int
    days_between: int
    pain_first: int  # pain before the first session, 0-10
    needle_gauge_mm: float
    needle_length_mm: float
    manufacturer: str
    lot: str
    retention_minutes: int
    bruise_at: int | None = None  # session with a bruise at BL23 (a minor adverse event)
    advice: str = ""
    response: Response = "responder"  # the pain trajectory (acucare.demo.outcomes)
    review_at: int | None = None  # the session after which the course was reviewed


@dataclass(frozen=True)
class DemoPatient:
    """One patient of `patients.yaml` and the stage of care the loader takes them to."""

    __pydantic_config__ = ConfigDict(extra="forbid")
    given: str
    family: str
    born: dt.date
    sex: str
    owner: str  # practitioner's username
    stage: Stage
    complaint: str = ""
    conditions: tuple[tuple[str, int], ...] = ()  # ICD-10-CM code, weeks at the start
    started_days_ago: int = 0
    intakes: tuple[Intake, ...] = ()  # oldest first; the last is current
    course: Course | None = None
    on_hold: bool = False
    shared: bool = False  # shared with the other practitioner

    @property
    def email(self) -> str:
        from acucare.demo.loader import DEMO_MARKER

        return f"{self.given.lower()}.{self.family.lower()}@{DEMO_MARKER}"


DATA_FILE = Path(__file__).with_name("patients.yaml")


def _from_yaml(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One patient of the data file in the shape of `DemoPatient`: conditions as (code,
    weeks) pairs, questionnaire answers numbered from item 1."""
    patient = dict(entry)
    patient["conditions"] = [
        (c["icd10"], c["weeks_at_start"]) for c in patient.get("conditions") or ()
    ]
    patient["intakes"] = [
        {
            **intake,
            "questionnaires": {
                name: numbered(*answers)
                for name, answers in (intake.get("questionnaires") or {}).items()
            },
        }
        for intake in patient.get("intakes") or ()
    ]
    return patient


def load_patients(path: Path = DATA_FILE) -> tuple[DemoPatient, ...]:
    """The demo patients from the data file; a misspelt or unknown key is an error."""
    import yaml
    from pydantic import TypeAdapter

    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = [_from_yaml(entry) for entry in document["patients"]]
    return TypeAdapter(tuple[DemoPatient, ...]).validate_python(entries)


PATIENTS: tuple[DemoPatient, ...] = load_patients()

# Depth and needling for the points the demo's plans use (STRICTA 2c, 2d). Points not
# listed are charted at muscle level.
POINT_NEEDLING: dict[str, dict[str, Any]] = {
    "BL22": {"depth_mm": 25, "depth_tissue": "muscle", "angle": "perpendicular"},
    "BL23": {"depth_mm": 25, "depth_tissue": "muscle", "angle": "perpendicular"},
    "BL24": {"depth_mm": 25, "depth_tissue": "muscle", "angle": "perpendicular"},
    "BL25": {"depth_mm": 25, "depth_tissue": "muscle", "angle": "perpendicular"},
    "BL40": {"depth_mm": 20, "depth_tissue": "muscle", "angle": "perpendicular"},
    "SI3": {"depth_mm": 12, "depth_tissue": "muscle", "angle": "perpendicular"},
    "ST34": {"depth_mm": 20, "depth_tissue": "muscle", "angle": "perpendicular"},
    "ST36": {"depth_mm": 25, "depth_tissue": "muscle", "angle": "perpendicular"},
    "EX-LE5": {"depth_mm": 20, "depth_tissue": "muscle", "angle": "oblique"},
    "SP9": {"depth_mm": 25, "depth_tissue": "muscle", "angle": "perpendicular"},
    "SP10": {"depth_mm": 20, "depth_tissue": "muscle", "angle": "perpendicular"},
    "GB34": {"depth_mm": 25, "depth_tissue": "muscle", "angle": "perpendicular"},
    "GB40": {"depth_mm": 12, "depth_tissue": "muscle", "angle": "perpendicular"},
    "LI4": {"depth_mm": 15, "depth_tissue": "muscle", "angle": "perpendicular"},
    "GB20": {"depth_mm": 15, "depth_tissue": "muscle", "angle": "oblique"},
    "BL10": {"depth_mm": 12, "depth_tissue": "muscle", "angle": "perpendicular"},
    "TE5": {"depth_mm": 15, "depth_tissue": "muscle", "angle": "perpendicular"},
    "GV20": {"depth_tissue": "subcutaneous", "angle": "transverse"},
    "EX-HN5": {"depth_tissue": "subcutaneous", "angle": "oblique"},
}

BRUISE = {
    "seriousness": "minor",
    "mechanism": "traumatic",
    "type_code": "haematoma",
    "description": (
        "A bruise about 2 cm across appeared at BL23 on the left after the needle came out. "
        "Pressure applied for two minutes; the patient was told it would fade within a week."
    ),
    "needed_treatment": False,
    "duration_days": 5,
    "avoidable": "unclear",
    "modality": "manual",
    "reporter": "practitioner",
}


def build_stage(
    spec: DemoPatient, patient: Patient, users: Mapping[str, User], today: dt.date
) -> None:
    """Take a newly registered patient to their stage, acting as their practitioner."""
    if spec.stage == "registered":
        return
    clinician = system_actor(users[spec.owner])
    episode = patients.episode_create(
        actor=clinician,
        patient_id=patient.public_id,
        complaint=spec.complaint,
        started_on=today - dt.timedelta(days=spec.started_days_ago),
        conditions=[patients.ConditionInput(code, weeks) for code, weeks in spec.conditions],
        referral=patients.Referral(source="gp"),
    )
    if spec.shared:
        other = next(
            u for name, u in users.items() if name != spec.owner and u.role == "practitioner"
        )
        patients.patient_share(
            actor=clinician, patient_id=patient.public_id, practitioner=other.public_id
        )
    started = dt.datetime.combine(episode.started_on, dt.time(9), tzinfo=dt.UTC)
    for intake in spec.intakes:
        assessment = assessments.assessment_create(
            actor=clinician,
            episode_id=episode.public_id,
            intake_document=intake_document(spec, intake, today),
        )
        for rule, note in intake.acknowledge.items():
            assessments.finding_acknowledge(
                actor=clinician, assessment_id=assessment.public_id, rule=rule, note=note
            )
    if spec.on_hold:
        _set_status(clinician, episode, EpisodeStatus.ON_HOLD)
    if spec.stage in ("new", "screened"):
        return
    plan = treatment.plan_generate(actor=clinician, episode_id=episode.public_id)
    plan = treatment.plan_approve(actor=clinician, plan_id=plan.public_id, version=plan.version)
    # Dated as the clinic worked: intake on the first day, the plan approved the next day,
    # and every session after the plan that authorises it.
    _backdate(episode, started, plan)
    if spec.course is None:
        return
    _run_course(clinician, spec, spec.course, episode, plan)


def _run_course(
    clinician: Actor, spec: DemoPatient, course: Course, episode: Episode, plan: TreatmentPlan
) -> None:
    """Chart the sessions; record the review after its session and, for a discharged
    patient, the discharge after the last one."""

    def review(number: int, date: dt.date) -> None:
        if number == course.review_at:
            record_review(
                clinician,
                episode,
                first=course.pain_first,
                response=course.response,
                at=number,
                date=date,
                signed=dt.datetime.combine(date, dt.time(17), tzinfo=dt.UTC),
            )

    last = _chart_course(clinician, plan, course, episode.started_on, after=review)
    if spec.stage == "discharged":
        record_discharge(
            clinician,
            episode,
            first=course.pain_first,
            response=course.response,
            last=course.sessions,
            date=last,
        )


def intake_document(spec: DemoPatient, intake: Intake, today: dt.date) -> dict[str, Any]:
    """The intake as the form would send it: age and sex from the patient, conditions
    and their durations from the episode."""
    born = spec.born
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    weeks_since = spec.started_days_ago // 7
    return {
        "format": "acucare.intake/1",
        "patient": {"age": age, "sex": spec.sex},
        "pregnancy": {
            "pregnant": intake.pregnancy_weeks is not None,
            "weeks": intake.pregnancy_weeks,
        },
        "conditions": [
            {"icd10": code, "duration_weeks": weeks + weeks_since}
            for code, weeks in spec.conditions
        ],
        "pain_sites": list(intake.pain_sites),
        "medications": list(intake.medications),
        "history": list(intake.history),
        "red_flags": list(intake.red_flags),
        "questionnaires": {k: dict(v) for k, v in intake.questionnaires.items()},
        "preferences": {"style": None, "declined_modalities": []},
        "consent": {"given_by": "patient"},
    }


def _backdate(episode: Episode, started: dt.datetime, plan: TreatmentPlan) -> None:
    from acucare.assessments.models import Assessment

    Assessment.objects.filter(episode=episode).update(created_at=started)
    approved = started + dt.timedelta(days=1)
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        created_at=approved, updated_at=approved, approved_at=approved
    )


def _set_status(
    actor: Actor, episode: Episode, status: str, *, ended_on: dt.date | None = None
) -> None:
    current = Episode.objects.get(pk=episode.pk)
    patients.episode_update(
        actor=actor,
        episode_id=current.public_id,
        version=current.version,
        complaint=current.complaint,
        status=status,
        ended_on=ended_on,
    )


def session_document(
    plan: TreatmentPlan, course: Course, number: int, date: dt.date
) -> dict[str, Any]:
    """One charted session of the course: every planned point with its side, depth and de
    qi; one needle type; needles in equal to needles out; pain falling over the course."""
    acupuncture = plan.acupuncture or {}
    planned = plan.points
    first = acupuncture.get("first_session") or {}
    if number == 1 and first.get("points"):  # the plan's gentler first session
        chosen = {(p["code"], p["side"]) for p in first["points"]}
        planned = [p for p in planned if (p["code"], p["side"]) in chosen]
    points = []
    needles = 0
    for point in planned:
        needling = POINT_NEEDLING.get(point["code"], {"depth_tissue": "muscle"})
        points.append(
            {
                "code": point["code"],
                "side": point["side"],
                **needling,
                "de_qi": "sought_obtained"
                if number > 1 or "depth_mm" in needling
                else "not_sought",
                "stimulation": "even",
            }
        )
        needles += int(point.get("needles") or (2 if point["side"] == "bilateral" else 1))
    electro = []
    if number > 1:  # the first session is manual only and gentle
        for pair in acupuncture.get("electro_pairs") or []:
            electro.append(
                {
                    "electrodes": [{"code": e["code"], "side": e["side"]} for e in pair],
                    "frequency_hz": 2,
                    "waveform": "dense_disperse",
                    "intensity": "mild",
                    "duration_minutes": course.retention_minutes,
                }
            )
    before = pain_before(course.pain_first, course.response, number)
    after = pain_after(before, course.response, number)
    co_interventions = []
    if course.advice and number in (1, course.sessions):
        co_interventions.append({"kind": "exercise_advice", "detail": course.advice})
    return {
        "number": number,
        "date": date.isoformat(),
        "modality": "manual_acupuncture",
        "points": points,
        "needle": {
            "gauge_mm": course.needle_gauge_mm,
            "length_mm": course.needle_length_mm,
            "material": "stainless_steel",
            "manufacturer": course.manufacturer,
            "lot": course.lot,
        },
        "electro_pairs": electro,
        "retention_minutes": course.retention_minutes,
        "needles_in": needles,
        "needles_out": needles,
        "co_interventions": co_interventions,
        "pain_before": before,
        "pain_after": after,
        "adverse_events": [BRUISE] if number == course.bruise_at else [],
        "notes": _note(number, course, before, after),
    }


def _note(number: int, course: Course, before: int, after: int) -> str:
    if number == 1:
        return (
            "First session: needling sensations explained beforehand, treated lying down "
            f"with gentle manipulation; tolerated well. Pain {before}/10 before, {after}/10 after."
        )
    if number == course.bruise_at:
        return "Small bruise after BL23 on the left; see the adverse event. Otherwise well."
    if number == course.sessions:
        return "Last session of the course; goals reviewed with the patient."
    return "Reports easier days since the last visit. Same points as planned."


def _chart_course(
    actor: Actor,
    plan: TreatmentPlan,
    course: Course,
    started: dt.date,
    after: Callable[[int, dt.date], None] | None = None,
) -> dt.date:
    first = started + dt.timedelta(days=2)
    date = first
    for number in range(1, course.sessions + 1):
        date = first + dt.timedelta(days=(number - 1) * course.days_between)
        session = treatment.session_create(
            actor=actor,
            plan_id=plan.public_id,
            record=session_document(plan, course, number, date),
        )
        treatment.session_sign(actor=actor, session_id=session.public_id, version=session.version)
        if after is not None:
            after(number, date)
    return date


def summary() -> list[tuple[str, list[str]]]:
    """Each stage with the demo patients at it, for the loader's printout."""
    return [
        (
            STAGE_LABELS[stage],
            [f"{p.given} {p.family}" for p in PATIENTS if p.stage == stage],
        )
        for stage in STAGES
    ]


def predates_stages() -> bool:
    """True for a demo database made before the patients had clinical stages (its
    patients exist, so the loader leaves them alone, but none was ever assessed)."""
    from acucare.assessments.models import Assessment
    from acucare.demo.loader import DEMO_MARKER

    demo = Patient.objects.filter(email__endswith=f"@{DEMO_MARKER}")
    return demo.exists() and not Assessment.objects.filter(episode__patient__in=demo).exists()
