"""Medication classes: free-text entries are recognised by name, brand or other spelling."""

from __future__ import annotations

import pytest

from acucare.kb import Registry
from acucare.kb.records.medications import MedicationClass, classify_medication
from tests.kb.conftest import KnowledgeProblems


@pytest.mark.parametrize(
    ("entry", "classes"),
    [
        ("warfarin", ("vitamin_k_antagonist",)),
        ("Coumadin 5 mg daily", ("vitamin_k_antagonist",)),
        ("MAREVAN", ("vitamin_k_antagonist",)),
        ("Eliquis 5mg bd", ("direct_oral_anticoagulant",)),
        ("dabigatran etexilate 150 mg", ("direct_oral_anticoagulant",)),
        ("Clexane injections", ("injectable_anticoagulant",)),
        ("aspirin and clopidogrel", ("antiplatelet",)),
        ("acetylsalicylic acid 75mg", ("antiplatelet",)),
        ("Humira 40 mg fortnightly", ("immunosuppressant",)),
        ("cyclosporine", ("immunosuppressant",)),
        ("prednisolone 5 mg", ("systemic_corticosteroid",)),
        ("Ozempic", ("antidiabetic",)),
        ("mefenamic acid", ("nsaid",)),
        ("acetaminophen", ("simple_analgesic",)),
        ("co-codamol 30/500", ("opioid",)),
        ("warfarin + metformin", ("vitamin_k_antagonist", "antidiabetic")),
        ("Zyxoflam", ()),
        ("5 mg", ()),
    ],
)
def test_entries_are_classified(registry: Registry, entry: str, classes: tuple[str, ...]) -> None:
    assert classify_medication(registry, entry) == classes


def test_every_class_the_issue_names_is_present(registry: Registry) -> None:
    classes = registry.of(MedicationClass)
    for class_id in (
        "vitamin_k_antagonist",
        "direct_oral_anticoagulant",
        "injectable_anticoagulant",
        "antiplatelet",
        "immunosuppressant",
        "nsaid",
    ):
        assert class_id in classes


def test_a_name_belongs_to_one_class_only(knowledge_problems: KnowledgeProblems) -> None:
    problems = knowledge_problems(
        "medications/pain_and_other.yaml",
        lambda records: records[0]["members"].append({"name": "Warfarin"}),
    )
    assert any("'Warfarin' is also listed in class 'vitamin_k_antagonist'" in p for p in problems)
