"""`acucare check-session DOC`: a session-check document, or one JSON error on exit 2."""

from __future__ import annotations

from typing import Any

import pytest

from tests.domain.test_intake import SPEC_EXAMPLE

SPEC_SESSION = {
    "modality": "manual_acupuncture",
    "points": [{"code": "LI4", "side": "left"}],
    "electro_pairs": [[{"code": "LI4", "side": "left"}, {"code": "LI11", "side": "left"}]],
}
PLAIN = {
    "format": "acucare.intake/1",
    "patient": {"age": 40},
    "pregnancy": {"pregnant": False},
    "conditions": [{"icd10": "M54.2"}],
}


def test_an_allowed_session(run_cli: Any) -> None:
    result = run_cli("check-session", document={"intake": PLAIN, "session": SPEC_SESSION})
    assert result.exit_code == 0, result.stdout + result.stderr
    document = result.json()
    assert document["format"] == "acucare.session-check/1"
    assert document["allowed"] is True
    assert document["findings"] == []
    assert result.stderr == ""


def test_the_spec_example_intake_refuses_the_spec_session(run_cli: Any) -> None:
    """Left arm at risk and pregnancy: LI4 left and the left-arm pair are refused."""
    result = run_cli("check-session", "-", stdin={"intake": SPEC_EXAMPLE, "session": SPEC_SESSION})
    assert result.exit_code == 0
    document = result.json()
    assert document["allowed"] is False
    blocking = {
        f["rule"] for f in document["findings"] if f["scope"] == "session" and f["level"] == "block"
    }
    assert blocking == {"limb_at_risk", "pregnancy_forbidden_points"}
    assert document["decision"] == "proceed_with_precautions"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"intake": PLAIN}, "session"),
        ({"session": SPEC_SESSION}, "intake"),
        ({"intake": PLAIN, "session": SPEC_SESSION, "note": "x"}, "note"),
        ([PLAIN, SPEC_SESSION], "document"),
        ({"intake": PLAIN | {"history": ["gout"]}, "session": SPEC_SESSION}, "intake.history[0]"),
        ({"intake": PLAIN | {"patient": {}}, "session": SPEC_SESSION}, "intake.patient.age"),
        (
            {
                "intake": PLAIN,
                "session": SPEC_SESSION | {"points": [{"code": "LI99", "side": "left"}]},
            },
            "session.points[0].code",
        ),
        (
            {"intake": PLAIN, "session": SPEC_SESSION | {"modality": "laser"}},
            "session.modality",
        ),
    ],
)
def test_rejected_documents_exit_2_with_one_json_error(
    run_cli: Any, document: Any, field: str
) -> None:
    result = run_cli("check-session", "-", stdin=document)
    assert result.exit_code == 2
    assert result.stderr == ""
    assert list(result.json()) == ["error"]
    assert result.json()["error"]["field"] == field


def test_malformed_json_exits_2(run_cli: Any) -> None:
    result = run_cli("check-session", "-", stdin="{")
    assert result.exit_code == 2
    assert result.json()["error"]["field"] == "document"
    assert result.stderr == ""
