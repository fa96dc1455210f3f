"""A patient record with every kind of resource, built through the services."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from acucare.documents import services
from acucare.documents.models import Document
from tests.documents.factories import discharged_course
from tests.factories import actor
from tests.outcomes.factories import CourseWorld, make_course, record
from tests.treatment.factories import make_session

ELECTRO_PAIR = {
    "electrodes": [{"code": "BL23", "side": "left"}, {"code": "BL25", "side": "left"}],
    "frequency_hz": 2,
    "waveform": "dense_disperse",
    "intensity": "mild",
    "duration_minutes": 20,
}


def full_record() -> CourseWorld:
    """A course of six sessions, a seventh with electroacupuncture and a bruise, and a
    review with PEG, PHQ-9 and PGIC."""
    world = make_course()
    world.sessions.append(
        make_session(
            world.plan,
            modality="electroacupuncture",
            points=[
                {"code": "BL23", "side": "left", "depth_mm": 25},
                {"code": "BL25", "side": "left", "depth_mm": 25},
            ],
            needles_in=2,
            needles_out=2,
            electro_pairs=[ELECTRO_PAIR],
        )
    )
    record(world, "baseline", scores={"peg": {"1": 7, "2": 6, "3": 8}, "nrs": {"1": 7}})
    record(
        world,
        "review",
        scores={"peg": {"1": 3, "2": 3, "3": 4}, "phq9": {str(i): 0 for i in range(1, 10)}},
        pgic=2,
    )
    return world


def validate(resource: dict[str, Any]) -> Any:
    """Parse with the R4B model of the resource's type; raises on anything invalid."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def references(value: Any) -> list[str]:
    """Every `reference` inside a resource, however deep."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                found.append(inner)
            else:
                found.extend(references(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(references(inner))
    return found


def sign(world: CourseWorld, kind: str) -> Document:
    return services.document_sign(
        actor=actor(world.practitioner), episode_id=world.episode.public_id, kind=kind
    )


def signed_course() -> tuple[CourseWorld, Document, Document, Document]:
    """A discharged course with a discharge summary signed twice (the second supersedes
    the first) and the patient's report. Sign into a test's own MEDIA_ROOT."""
    world = discharged_course()
    first = sign(world, "discharge_summary")
    second = sign(world, "discharge_summary")
    report = sign(world, "patient_report")
    return world, first, second, report
