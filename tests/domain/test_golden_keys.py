"""The golden plans' keys are checked against the list the tests read.

`test_planning.py` asserts each `expect` key it knows (`if "protocol" in expect: …`), so a
misspelt or unknown key would assert nothing and the case would pass silently. Every key
of a golden plan must be one of these; a new kind of expectation adds its key here and
its assertion in `test_planning.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

GOLDEN = Path(__file__).parent / "golden" / "plans"
CASES = sorted(GOLDEN.glob("*.yaml"))
CASE_KEYS = {"description", "intake", "expect"}
EXPECT_KEYS = {
    "absent_points",
    "acupuncture",
    "alternatives",
    "ashi",
    "below_minimum",
    "chronic",
    "coverage_text",
    "decision",
    "electro_pairs",
    "extension",
    "first_session_absent",
    "group",
    "guideline_course_within",
    "layers",
    "local_points",
    "local_regions",
    "modality",
    "needles",
    "needles_at_least",
    "no_points_on_limb",
    "notes_contain",
    "notice",
    "point_cautions",
    "points",
    "protocol",
    "protocol_status",
    "referral_urgency",
    "retention",
    "review_instruments",
    "review_target",
    "reviews",
    "sessions",
    "sided_points_on",
    "status",
    "substitutions",
    "technique_limits",
    "triggered_by",
}
TESTS = (Path(__file__).parent / "test_planning.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_a_golden_plan_uses_only_known_keys(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(case) <= CASE_KEYS, sorted(set(case) - CASE_KEYS)
    assert case["expect"], "a golden plan expects something"
    unknown = set(case["expect"]) - EXPECT_KEYS
    assert not unknown, f"not checked by test_planning.py: {sorted(unknown)}"


@pytest.mark.parametrize("key", sorted(EXPECT_KEYS))
def test_every_known_key_is_read_by_the_golden_test(key: str) -> None:
    assert f'"{key}"' in TESTS, f"test_planning.py never reads expect[{key!r}]"
