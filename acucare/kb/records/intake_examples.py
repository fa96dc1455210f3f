"""Example intakes that test how an intake is read, before any rule is applied.

Each holds a complete intake document and either the field error it must be refused with
(contradictions: a pain site on the other side from a side-specific code, a patient
recorded as male and pregnant) or what the parsed intake must hold (the pain sites a
side-specific code adds, the pregnancy status). tests/domain/test_intake.py runs every
one; they document the intake rules next to the safety examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from acucare.kb.records.base import STRICT, CollectionSpec, NonEmptyStr, Problem

if TYPE_CHECKING:
    from acucare.kb.registry import Registry


@dataclass(frozen=True)
class ExpectedIntakeError:
    """The `error.field` of the refusal (exact), and words its message must contain."""

    __pydantic_config__ = STRICT

    field: NonEmptyStr
    message_contains: str = ""


@dataclass(frozen=True)
class ExpectedIntake:
    """What the parsed intake holds; each given part is compared exactly."""

    __pydantic_config__ = STRICT

    pain_sites: tuple[NonEmptyStr, ...] | None = None
    derived_pain_sites: tuple[NonEmptyStr, ...] | None = None
    pregnancy_status: Literal["pregnant", "not_pregnant", "unknown"] | None = None


@dataclass(frozen=True)
class IntakeExample:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    description: NonEmptyStr
    intake: dict[str, Any]  # an intake document exactly as a clinic would send it
    error: ExpectedIntakeError | None = None
    parsed: ExpectedIntake | None = None


COLLECTION = CollectionSpec("intake_examples", IntakeExample, "id")


def check(registry: Registry) -> Iterator[Problem]:
    for key, example in registry.of(IntakeExample).items():
        if (example.error is None) == (example.parsed is None):
            where = f"{registry.source_of('intake_examples', key)}: {key}"
            yield Problem(where, "give either `error` or `parsed`, not both and not neither")
