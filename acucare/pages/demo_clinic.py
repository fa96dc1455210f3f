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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from acucare.accounts.actor import Actor, system_actor
from acucare.accounts.models import User
from acucare.assessments import services as assessments
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


def phq9(*answers: int) -> dict[str, int]:
    """PHQ-9 answers, items 1 to 9 in order."""
    return {str(item): answer for item, answer in enumerate(answers, start=1)}


@dataclass(frozen=True)
class Intake:
    """The clinical part of an intake; age, sex and conditions come from the record."""

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


@dataclass(frozen=True)
class DemoPatient:
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
        from acucare.pages.demo import DEMO_MARKER

        return f"{self.given.lower()}.{self.family.lower()}@{DEMO_MARKER}"


NO_LOW_MOOD = phq9(0, 1, 1, 1, 0, 0, 0, 0, 0)
SOME_LOW_MOOD = phq9(1, 1, 2, 1, 1, 0, 1, 0, 0)

PATIENTS: tuple[DemoPatient, ...] = (
    # --- registered: no episode yet --------------------------------------------------
    DemoPatient("Amara", "Abbott", dt.date(1979, 3, 14), "female", "dr.chen", "registered"),
    DemoPatient("Ben", "Baptiste", dt.date(1962, 11, 2), "male", "dr.okafor", "registered"),
    # --- new: an episode, intake still to do -----------------------------------------
    DemoPatient(
        "Chiara",
        "Costa",
        dt.date(1988, 6, 30),
        "female",
        "dr.chen",
        "new",
        "Recurrent tension-type headaches",
        (("G44.209", 40),),
        started_days_ago=3,
    ),
    DemoPatient(
        "Dev",
        "Dalton",
        dt.date(1957, 1, 19),
        "male",
        "dr.okafor",
        "new",
        "Right shoulder pain",
        (("M25.511", 16),),
        started_days_ago=2,
    ),
    # --- screened --------------------------------------------------------------------
    DemoPatient(
        "Elif",
        "Eze",
        dt.date(1956, 9, 8),
        "female",
        "dr.chen",
        "screened",
        "Low back pain for over a year; on warfarin for atrial fibrillation",
        (("M54.50", 60),),
        started_days_ago=6,
        intakes=(
            Intake(
                pain_sites=("lower_back", "left_buttock"),
                medications=("Warfarin 3 mg daily", "Bisoprolol 2.5 mg daily"),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
    ),
    DemoPatient(
        "Finn",
        "Fischer",
        dt.date(1953, 4, 22),
        "male",
        "dr.okafor",
        "screened",
        "Right knee osteoarthritis pain; type 2 diabetes",
        (("M17.11", 150),),
        started_days_ago=5,
        intakes=(
            Intake(
                pain_sites=("right_knee",),
                medications=("Metformin 1 g twice daily", "Paracetamol 1 g as needed"),
                history=("diabetes",),
                questionnaires={"phq9": phq9(0, 1, 1, 1, 0, 0, 0, 0, 0)},
            ),
        ),
    ),
    DemoPatient(
        "Grace",
        "Gallo",
        dt.date(1991, 12, 5),
        "female",
        "dr.chen",
        "screened",
        "Recurrent migraine without aura",
        (("G43.909", 200),),
        started_days_ago=1,
        shared=True,
        intakes=(
            Intake(
                pain_sites=("head",),
                medications=("Sumatriptan 50 mg as needed",),
                questionnaires={"phq9": phq9(2, 2, 2, 2, 1, 1, 1, 1, 1)},
            ),
        ),
    ),
    DemoPatient(
        "Hamid",
        "Haddad",
        dt.date(1948, 7, 11),
        "male",
        "dr.okafor",
        "screened",
        "Neck pain and stiffness; has a pacemaker",
        (("M54.2", 40),),
        started_days_ago=4,
        intakes=(
            Intake(
                pain_sites=("neck", "right_shoulder"),
                medications=("Ramipril 5 mg daily",),
                history=("pacemaker_or_icd",),
                questionnaires={"phq9": phq9(0, 0, 1, 0, 0, 0, 0, 0, 0)},
            ),
        ),
    ),
    DemoPatient(
        "Ines",
        "Iqbal",
        dt.date(1995, 2, 17),
        "female",
        "dr.chen",
        "screened",
        "Low back pain in pregnancy (24 weeks)",
        (("M54.50", 14),),
        started_days_ago=2,
        intakes=(
            Intake(
                pain_sites=("lower_back", "sacrum"),
                medications=("Folic acid 400 micrograms daily",),
                questionnaires={"phq9": phq9(1, 0, 1, 1, 0, 0, 0, 0, 0)},
                pregnancy_weeks=24,
            ),
        ),
    ),
    DemoPatient(
        "Jonah",
        "Jensen",
        dt.date(1971, 10, 29),
        "male",
        "dr.okafor",
        "screened",
        "Low back pain with numbness in the saddle area",
        (("M54.50", 20),),
        started_days_ago=1,
        on_hold=True,
        intakes=(
            Intake(
                pain_sites=("lower_back", "left_buttock", "right_buttock"),
                medications=("Naproxen 500 mg twice daily",),
                red_flags=("saddle_anaesthesia", "bladder_or_bowel_dysfunction"),
                questionnaires={"phq9": SOME_LOW_MOOD},
                acknowledge={
                    "cauda_equina": (
                        "Saddle numbness and new urinary hesitancy reported at intake. Not "
                        "needled. Sent to the emergency department the same day for an "
                        "urgent MRI, with a letter; the patient's partner drove him. GP "
                        "informed by phone. Episode on hold until the hospital reports."
                    ),
                },
            ),
        ),
    ),
    # --- planned ---------------------------------------------------------------------
    DemoPatient(
        "Keiko",
        "Kowalski",
        dt.date(1984, 5, 3),
        "female",
        "dr.chen",
        "planned",
        "Tension-type headaches most days",
        (("G44.209", 80),),
        started_days_ago=16,
        intakes=(
            Intake(
                pain_sites=("head", "neck"),
                medications=("Ibuprofen 400 mg as needed",),
                questionnaires={"phq9": phq9(2, 2, 2, 1, 1, 1, 1, 0, 1)},
                acknowledge={
                    "phq9_self_harm": (
                        "Item 9 scored 1. Asked directly: passing thoughts, no plan or "
                        "intent, no previous attempts; lives with her sister. Crisis line "
                        "numbers given. Same-week GP appointment booked with her consent; "
                        "GP letter sent. Acupuncture deferred until the GP has seen her."
                    ),
                },
            ),
            Intake(
                pain_sites=("head", "neck"),
                medications=("Ibuprofen 400 mg as needed", "Sertraline 50 mg daily"),
                questionnaires={"phq9": phq9(1, 1, 2, 1, 1, 1, 1, 0, 0)},
            ),
        ),
    ),
    DemoPatient(
        "Liam",
        "Lindqvist",
        dt.date(1960, 8, 24),
        "male",
        "dr.okafor",
        "planned",
        "Left knee pain, osteoarthritis",
        (("M17.12", 90),),
        started_days_ago=9,
        intakes=(
            Intake(
                pain_sites=("left_knee",),
                medications=("Paracetamol 1 g four times daily",),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
    ),
    DemoPatient(
        "Maya",
        "Moreau",
        dt.date(1976, 1, 9),
        "female",
        "dr.chen",
        "planned",
        "Right shoulder pain",
        (("M25.511", 30),),
        started_days_ago=7,
        intakes=(
            Intake(
                pain_sites=("right_shoulder", "right_upper_arm"),
                medications=("Aspirin 75 mg daily",),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
    ),
    DemoPatient(
        "Nikolai",
        "Nakamura",
        dt.date(1969, 4, 1),
        "male",
        "dr.okafor",
        "planned",
        "Widespread pain, fibromyalgia",
        (("M79.7", 120),),
        started_days_ago=12,
        shared=True,
        intakes=(
            Intake(
                pain_sites=("neck", "upper_back", "lower_back", "left_hip", "right_hip"),
                medications=("Amitriptyline 10 mg at night",),
                questionnaires={"phq9": SOME_LOW_MOOD},
            ),
        ),
    ),
    # --- mid-course ------------------------------------------------------------------
    DemoPatient(
        "Olu",
        "Osei",
        dt.date(1966, 12, 19),
        "male",
        "dr.chen",
        "mid_course",
        "Low back pain for over a year",
        (("M54.50", 70),),
        started_days_ago=30,
        intakes=(
            Intake(
                pain_sites=("lower_back",),
                medications=("Codeine 30 mg as needed",),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
        course=Course(
            sessions=6,
            days_between=4,
            pain_first=7,
            needle_gauge_mm=0.25,
            needle_length_mm=40,
            manufacturer="Seirin",
            lot="J25-4017",
            retention_minutes=20,
            bruise_at=3,
            advice="Walk 20 minutes a day; avoid long spells of sitting.",
        ),
    ),
    DemoPatient(
        "Priya",
        "Petrov",
        dt.date(1958, 3, 27),
        "female",
        "dr.okafor",
        "mid_course",
        "Right knee osteoarthritis pain",
        (("M17.11", 200),),
        started_days_ago=21,
        intakes=(
            Intake(
                pain_sites=("right_knee",),
                medications=("Ibuprofen gel as needed",),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
        course=Course(
            sessions=4,
            days_between=4,
            pain_first=6,
            needle_gauge_mm=0.30,
            needle_length_mm=40,
            manufacturer="Hwato",
            lot="HW-230918",
            retention_minutes=25,
            advice="Quadriceps strengthening exercises daily, as shown.",
        ),
    ),
    DemoPatient(
        "Quinn",
        "Quint",
        dt.date(1987, 9, 15),
        "female",
        "dr.chen",
        "mid_course",
        "Recurrent migraine",
        (("G43.909", 260),),
        started_days_ago=25,
        intakes=(
            Intake(
                pain_sites=("head",),
                medications=("Rizatriptan 10 mg as needed",),
                questionnaires={"phq9": phq9(1, 1, 1, 1, 0, 0, 0, 0, 0)},
            ),
        ),
        course=Course(
            sessions=5,
            days_between=4,
            pain_first=6,
            needle_gauge_mm=0.25,
            needle_length_mm=30,
            manufacturer="Seirin",
            lot="J25-3882",
            retention_minutes=30,
            advice="Keep the headache diary; regular meals and sleep.",
        ),
    ),
    DemoPatient(
        "Rosa",
        "Rahman",
        dt.date(1973, 7, 7),
        "female",
        "dr.okafor",
        "mid_course",
        "Neck pain and stiffness",
        (("M54.2", 30),),
        started_days_ago=12,
        intakes=(
            Intake(
                pain_sites=("neck",),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
        course=Course(
            sessions=3,
            days_between=4,
            pain_first=6,
            needle_gauge_mm=0.25,
            needle_length_mm=30,
            manufacturer="Hwato",
            lot="HW-231104",
            retention_minutes=20,
            advice="Neck range-of-movement exercises twice a day.",
        ),
    ),
    # --- discharged ------------------------------------------------------------------
    DemoPatient(
        "Sven",
        "Silva",
        dt.date(1955, 10, 12),
        "male",
        "dr.chen",
        "discharged",
        "Left knee osteoarthritis pain",
        (("M17.12", 110),),
        started_days_ago=70,
        intakes=(
            Intake(
                pain_sites=("left_knee",),
                medications=("Paracetamol 1 g as needed",),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
        course=Course(
            sessions=10,
            days_between=4,
            pain_first=7,
            needle_gauge_mm=0.30,
            needle_length_mm=40,
            manufacturer="Seirin",
            lot="J30-2291",
            retention_minutes=25,
            advice="Keep up the quadriceps exercises and daily walks.",
        ),
    ),
    DemoPatient(
        "Tara",
        "Tanaka",
        dt.date(1982, 2, 28),
        "female",
        "dr.okafor",
        "discharged",
        "Neck pain and stiffness",
        (("M54.2", 26),),
        started_days_ago=45,
        intakes=(
            Intake(
                pain_sites=("neck",),
                questionnaires={"phq9": NO_LOW_MOOD},
            ),
        ),
        course=Course(
            sessions=5,
            days_between=5,
            pain_first=6,
            needle_gauge_mm=0.25,
            needle_length_mm=30,
            manufacturer="Hwato",
            lot="HW-230802",
            retention_minutes=20,
            advice="Desk set-up reviewed; neck exercises twice a day.",
        ),
    ),
)

# Depth and needling for the points the demo's plans use (STRICTA 2c, 2d). Points not
# listed are charted at muscle level.
POINT_NEEDLING: dict[str, dict[str, Any]] = {
    "BL22": {"depth_mm": 25, "angle": "perpendicular"},
    "BL23": {"depth_mm": 25, "angle": "perpendicular"},
    "BL24": {"depth_mm": 25, "angle": "perpendicular"},
    "BL25": {"depth_mm": 25, "angle": "perpendicular"},
    "BL40": {"depth_mm": 20, "angle": "perpendicular"},
    "SI3": {"depth_mm": 12, "angle": "perpendicular"},
    "ST34": {"depth_mm": 20, "angle": "perpendicular"},
    "ST36": {"depth_mm": 25, "angle": "perpendicular"},
    "EX-LE5": {"depth_mm": 20, "angle": "oblique"},
    "SP9": {"depth_mm": 25, "angle": "perpendicular"},
    "SP10": {"depth_mm": 20, "angle": "perpendicular"},
    "GB34": {"depth_mm": 25, "angle": "perpendicular"},
    "GB40": {"depth_mm": 12, "angle": "perpendicular"},
    "LI4": {"depth_mm": 15, "angle": "perpendicular"},
    "GB20": {"depth_mm": 15, "angle": "oblique"},
    "BL10": {"depth_mm": 12, "angle": "perpendicular"},
    "TE5": {"depth_mm": 15, "angle": "perpendicular"},
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
    )
    if spec.shared:
        other = next(
            u for name, u in users.items() if name != spec.owner and u.role == "practitioner"
        )
        patients.patient_share(
            actor=clinician, patient_id=patient.public_id, practitioner=other.public_id
        )
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
    if spec.course is None:
        return
    last = _chart_course(clinician, plan, spec.course, episode.started_on)
    if spec.stage == "discharged":
        _set_status(clinician, episode, EpisodeStatus.DISCHARGED, ended_on=last)


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
    before = max(1, course.pain_first - (number - 1) * course.pain_first // (course.sessions + 2))
    after = max(0, before - 2)
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


def _chart_course(actor: Actor, plan: TreatmentPlan, course: Course, started: dt.date) -> dt.date:
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
    from acucare.pages.demo import DEMO_MARKER

    demo = Patient.objects.filter(email__endswith=f"@{DEMO_MARKER}")
    return demo.exists() and not Assessment.objects.filter(episode__patient__in=demo).exists()
