"""Intake documents and saved assessments for the assessment tests."""

from __future__ import annotations

from typing import Any

from acucare.assessments import services
from acucare.assessments.models import Assessment
from acucare.assessments.questions import RED_FLAG_QUESTIONS
from acucare.patients.models import Episode
from tests.factories import actor


def intake(**changes: Any) -> dict[str, Any]:
    """A complete, valid intake document; `changes` replace top-level keys."""
    document: dict[str, Any] = {
        "format": "acucare.intake/1",
        "patient": {"age": 54, "sex": "female"},
        "conditions": [{"icd10": "M54.50", "duration_weeks": 30}],
        "pain_sites": ["lower_back"],
        "red_flags": [],
        "questionnaires": {"phq9": {str(i): 0 for i in range(1, 10)}},
    }
    document.update(changes)
    return document


URGENT_AND_REFER = {
    "red_flags": ["saddle_anaesthesia", "unexplained_weight_loss"],
}


def make_assessment(episode: Episode, **changes: Any) -> Assessment:
    return services.assessment_create(
        actor=actor(episode.patient.primary_practitioner),
        episode_id=episode.public_id,
        intake_document=intake(**changes),
    )


def form_data(episode, **changes):
    """What a browser sends for a complete intake (every red-flag question answered)."""
    data = {
        "age": "54",
        "sex": "female",
        "weeks_0": "30",
        "weeks_1": "",
        "medications": "Warfarin 5 mg\n\n  ibuprofen  \n",
        "pain_sites": ["lower_back", "left_knee"],
        "history": ["needle_phobia"],
        "style": "",
        "consent_given_by": "patient",
        **{f"rf_{flag}": "no" for flag in RED_FLAG_QUESTIONS},
        **{f"q_phq9_{i}": "1" for i in range(1, 10)},
    }
    data.update(changes)
    return data
