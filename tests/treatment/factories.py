"""Plans and sessions for the treatment tests, built through the services."""

from __future__ import annotations

import copy
from typing import Any

from acucare.accounts.models import User
from acucare.assessments.models import Assessment
from acucare.patients.models import Episode
from acucare.treatment import services
from acucare.treatment.models import TreatmentPlan, TreatmentSession
from tests.assessments.factories import make_assessment
from tests.factories import actor, make_episode, make_patient, make_practitioner

PREGNANT: dict[str, Any] = {"pregnancy": {"pregnant": True, "weeks": 20}}
REFER: dict[str, Any] = {"red_flags": ["hot_swollen_joint"]}


def episode_with_assessment(
    practitioner: User | None = None, **intake: Any
) -> tuple[Episode, Assessment]:
    practitioner = practitioner or make_practitioner()
    episode = make_episode(make_patient(practitioner))
    return episode, make_assessment(episode, **intake)


def make_plan(episode: Episode, *, approve: bool = False) -> TreatmentPlan:
    who = actor(episode.patient.primary_practitioner)
    plan = services.plan_generate(actor=who, episode_id=episode.public_id)
    if approve:
        plan = services.plan_approve(actor=who, plan_id=plan.public_id, version=plan.version)
    return plan


SESSION: dict[str, Any] = {
    "date": None,
    "modality": "manual_acupuncture",
    "points": [
        {
            "code": "BL23",
            "side": "bilateral",
            "depth_mm": 25,
            "angle": "perpendicular",
            "de_qi": "sought_obtained",
            "stimulation": "even",
        },
        {"code": "GV3", "side": "midline", "depth_tissue": "muscle", "de_qi": "not_sought"},
    ],
    "needle": {
        "gauge_mm": 0.25,
        "length_mm": 40,
        "material": "stainless_steel",
        "manufacturer": "Seirin",
        "lot": "A1234",
    },
    "retention_minutes": 20,
    "needles_in": 3,
    "needles_out": 3,
    "co_interventions": [{"kind": "exercise_advice", "detail": "Walk daily."}],
    "pain_before": 7,
    "pain_after": 5,
    "adverse_events": [
        {
            "seriousness": "minor",
            "mechanism": "traumatic",
            "type_code": "haematoma",
            "needed_treatment": False,
            "duration_days": 3,
            "avoidable": "unclear",
            "modality": "manual",
            "reporter": "practitioner",
        }
    ],
}


def session_document(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(SESSION)
    del document["date"]
    document.update(changes)
    return document


def make_session(plan: TreatmentPlan, **changes: Any) -> TreatmentSession:
    who = actor(plan.episode.patient.primary_practitioner)
    return services.session_create(
        actor=who, plan_id=plan.public_id, record=session_document(**changes)
    )
