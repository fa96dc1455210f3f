"""The diary's domain rules: each after-effect classified as the safety reference's
scheme says, the day's MME from the CDC 2022 factors, and every bad value refused by
name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from acucare.domain import diary
from acucare.domain.diary import AfterEffect, MedicineTaken
from acucare.domain.errors import InputError
from acucare.kb import registry
from acucare.kb.records.citations import Citation

SESSION_DAY = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 3, 5)


def day(**changes: Any) -> diary.DiaryDay:
    values: dict[str, Any] = {
        "day": dt.date(2026, 3, 3),
        "session_day": SESSION_DAY,
        "session_modality": "manual_acupuncture",
        "today": TODAY,
        "pain": 4,
        "sleep_hours": 6.5,
        "sleep_quality": 6,
    }
    values.update(changes)
    return diary.diary_day(registry(), **values)


# (after-effect, expected seriousness, expected type, expected mechanism)
CLASSIFIED = [
    (AfterEffect("bruising"), "minor", "haematoma", "traumatic"),
    (AfterEffect("soreness", days=2), "minor", "needling_pain", "other"),
    (AfterEffect("tiredness"), "expected_transient", "tiredness", "other"),
    (AfterEffect("tiredness", days=3), "minor", "tiredness", "other"),
    (AfterEffect("worse_pain", days=1), "expected_transient", "aggravation", "other"),
    (
        AfterEffect("worse_pain", severity="stopped_day"),
        "significant_minor",
        "aggravation",
        "other",
    ),
    (AfterEffect("dizziness"), "minor", "dizziness", "other"),
    (AfterEffect("dizziness", fainted=True), "significant_minor", "fainting", "other"),
    (AfterEffect("bruising", care="doctor"), "significant_minor", "haematoma", "traumatic"),
    (AfterEffect("dizziness", care="hospital"), "serious", "dizziness", "other"),
    (AfterEffect("other", text="A rash", care="hospital"), "serious", "other", "other"),
]


@pytest.mark.parametrize(("effect", "seriousness", "type_code", "mechanism"), CLASSIFIED)
def test_after_effects_are_classified_on_the_treatment_axes(
    effect, seriousness, type_code, mechanism
):
    event = diary.classify(effect, session_modality="electroacupuncture")
    assert (event.seriousness, event.type_code, event.mechanism) == (
        seriousness,
        type_code,
        mechanism,
    )
    assert event.reporter == "patient"
    assert event.avoidable == "unclear"
    assert event.modality == "electroacupuncture"
    assert event.needed_treatment is (effect.care != "none")
    assert event.serious is (seriousness == "serious")


def test_every_classification_and_advice_cites_the_bibliography():
    known = registry().of(Citation)
    for kind in diary.AFTER_EFFECTS:
        assert kind.citations, kind.key
        assert all(c in known for c in kind.citations), kind.key
        assert kind.advice
        assert "_" not in kind.label
    for effect, *_ in CLASSIFIED:
        event = diary.classify(effect, session_modality="manual_acupuncture")
        assert event.citations
        assert all(c in known for c in event.citations)


def test_the_days_mme_uses_the_cdc_factors():
    # Oxycodone 10 mg twice (factor 1.5) = 30; a 25 mcg/h fentanyl patch (2.4) = 60.
    entry = day(
        medicines=[
            MedicineTaken("oxycodone", 10, "mg", 2),
            MedicineTaken("fentanyl", 25, "mcg/h", 1),
        ]
    )
    assert entry.mme == 90.0
    assert entry.mme_citations == ("dowell2022",)


def test_no_medicine_is_no_mme():
    assert day().mme is None


def test_the_pick_list_is_the_conversion_table_with_units():
    choices = dict(diary.medicine_choices(registry()))
    assert choices["fentanyl"] == "Fentanyl (mcg/h)"
    assert choices["tramadol"] == "Tramadol (mg)"
    assert diary.medicine_unit(registry(), "fentanyl") == "mcg/h"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pain": 11}, "pain"),
        ({"pain": -1}, "pain"),
        ({"pain": 4.5}, "pain"),
        ({"sleep_hours": 25}, "sleep_hours"),
        ({"sleep_hours": float("nan")}, "sleep_hours"),
        ({"sleep_quality": 11}, "sleep_quality"),
        ({"day": dt.date(2026, 3, 1)}, "day"),
        ({"day": dt.date(2026, 3, 6)}, "day"),
        ({"day": SESSION_DAY + dt.timedelta(days=7), "today": dt.date(2026, 4, 1)}, "day"),
        ({"medicines": [MedicineTaken("aspirin", 10, "mg", 1)]}, "medicines[0].medicine"),
        ({"medicines": [MedicineTaken("fentanyl", 25, "mg", 1)]}, "medicines[0].unit"),
        ({"medicines": [MedicineTaken("morphine", 0, "mg", 1)]}, "medicines[0].dose"),
        ({"medicines": [MedicineTaken("morphine", 10, "mg", 0)]}, "medicines[0].times"),
        ({"medicines": [MedicineTaken("morphine", 10, "mg", 25)]}, "medicines[0].times"),
        ({"effects": [AfterEffect("itching")]}, "after_effects[0].kind"),
        ({"effects": [AfterEffect("bruising"), AfterEffect("bruising")]}, "after_effects[1].kind"),
        ({"effects": [AfterEffect("bruising", severity="awful")]}, "after_effects[0].severity"),
        ({"effects": [AfterEffect("bruising", care="spa")]}, "after_effects[0].care"),
        ({"effects": [AfterEffect("bruising", days=400)]}, "after_effects[0].days"),
        ({"effects": [AfterEffect("other")]}, "after_effects[0].text"),
    ],
)
def test_bad_values_name_their_field(changes, field):
    with pytest.raises(InputError) as caught:
        day(**changes)
    assert caught.value.field == field
    assert caught.value.message


def test_the_session_day_and_the_last_day_are_diary_days():
    assert day(day=SESSION_DAY).day == SESSION_DAY
    last = SESSION_DAY + dt.timedelta(days=diary.DIARY_DAYS - 1)
    assert day(day=last, today=dt.date(2026, 4, 1)).day == last
