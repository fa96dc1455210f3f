"""An intake's lists are bounded (issue 14: an intake accepted 10,000 medications)."""

from __future__ import annotations

import pytest

from acucare.domain.errors import InputError
from acucare.domain.intake import MEDICATIONS_MAX_ITEMS, parse_intake


def _intake(medications: list[str]) -> dict[str, object]:
    return {
        "format": "acucare.intake/1",
        "patient": {"age": 54, "sex": "female"},
        "conditions": [{"icd10": "M54.50"}],
        "medications": medications,
    }


def test_ten_thousand_medications_are_refused_naming_the_field(registry):
    with pytest.raises(InputError) as caught:
        parse_intake(_intake([f"drug {i}" for i in range(10_000)]), registry)
    assert caught.value.field == "medications"
    assert caught.value.allowed == {"min": 0, "max": MEDICATIONS_MAX_ITEMS}


def test_a_long_but_real_list_is_accepted(registry):
    intake = parse_intake(_intake([f"drug {i}" for i in range(MEDICATIONS_MAX_ITEMS)]), registry)
    assert len(intake.medications) == MEDICATIONS_MAX_ITEMS
