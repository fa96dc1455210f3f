"""Validation of measurement input, stated once for the pages and the API: questionnaire
answers through the scorer, the impression of change through the PGIC record, medication
doses as plain numbers. Each failure names the field and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from acucare.domain.errors import InputError
from acucare.domain.scoring import score
from acucare.domain.text import plain_text
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument

MAX_DOSE_MG = 10000
MAX_DOSES_PER_DAY = 24


def clean_scores(scores: object, field: str = "scores") -> dict[str, dict[str, int]]:
    """Questionnaire answers validated by the scorer; unanswered questionnaires dropped."""
    if not isinstance(scores, Mapping):
        raise InputError(field, "Expected an object of questionnaire answers.")
    knowledge = registry()
    instruments = knowledge.of(Instrument)
    cleaned: dict[str, dict[str, int]] = {}
    for instrument, answers in scores.items():
        if instrument not in instruments or instrument == "pgic":
            raise InputError(
                f"{field}.{instrument}",
                f"'{instrument}' is not a questionnaire acucare scores here.",
                sorted(i for i in instruments if i != "pgic"),
            )
        if isinstance(answers, Mapping) and not answers:
            continue
        score(knowledge, str(instrument), answers, field=f"{field}.{instrument}")
        cleaned[str(instrument)] = {str(k): int(v) for k, v in answers.items()}
    return cleaned


def clean_pgic(value: object, field: str = "pgic") -> int | None:
    if value is None or value == "":
        return None
    if type(value) is not int:
        raise InputError(field, "Expected a whole number from 1 to 7.", {"min": 1, "max": 7})
    try:
        score(registry(), "pgic", {"1": value}, field=field)
    except InputError as error:
        raise InputError(field, error.message, error.allowed) from None
    return value


def _number(value: object, field: str, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(field, "Expected a number.", {"min": 0, "max": high})
    if not 0 < value <= high:
        raise InputError(
            field, f"Expected a number above 0 and at most {high}.", {"min": 0, "max": high}
        )
    return float(value)


def clean_medications(items: object, field: str = "medications") -> list[dict[str, Any]]:
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise InputError(field, "Expected a list of medications.")
    cleaned = []
    for i, item in enumerate(items):
        path = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            raise InputError(path, "Expected an object with name, dose_mg and doses_per_day.")
        unknown = set(item) - {"name", "dose_mg", "doses_per_day"}
        if unknown:
            name = sorted(unknown)[0]
            raise InputError(
                f"{path}.{name}", f"Unknown field '{name}'.", ["name", "dose_mg", "doses_per_day"]
            )
        name = plain_text(item.get("name", ""), f"{path}.name", max_length=100)
        if not name:
            raise InputError(f"{path}.name", "Name the medication.")
        cleaned.append(
            {
                "name": name.lower(),
                "dose_mg": _number(item.get("dose_mg"), f"{path}.dose_mg", MAX_DOSE_MG),
                "doses_per_day": _number(
                    item.get("doses_per_day"), f"{path}.doses_per_day", MAX_DOSES_PER_DAY
                ),
            }
        )
    return cleaned
