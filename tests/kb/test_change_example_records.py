"""`kb check` on change examples: each reading well formed for its instrument."""

from __future__ import annotations

from typing import Any

from tests.kb.conftest import KnowledgeProblems


def _first(records: list[dict[str, Any]], example_id: str) -> dict[str, Any]:
    return next(record for record in records if record["id"] == example_id)


def test_kb_check_refuses_a_malformed_change_example(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def corrupt(records: list[dict[str, Any]]) -> None:
        _first(records, "nrs_one_to_two_not_worse")["instrument"] = "vas"
        _first(records, "rmdq_two_to_three_not_worse")["baseline"] = {"total": 2, "codes": [1]}
        _first(records, "odi_ten_to_fourteen_from_sections")["follow_up"] = {"codes": [1, 1]}
        pgic = _first(records, "pgic_minimally_improved_is_minimal")
        pgic["baseline"] = {"codes": [4]}
        del _first(records, "ndi_twenty_to_sixteen_not_important")["baseline"]

    problems = "\n".join(knowledge_problems("change_examples/floors_and_tiers.yaml", corrupt))
    assert "nrs_one_to_two_not_worse: names unknown instrument 'vas'" in problems
    assert "rmdq_two_to_three_not_worse: baseline gives either `total` or `codes`" in problems
    assert "odi_ten_to_fourteen_from_sections: follow_up.codes has 2 entries" in problems
    assert "pgic_minimally_improved_is_minimal: pgic rates change itself" in problems
    assert "ndi_twenty_to_sixteen_not_important: a change needs a baseline reading" in problems
