"""The words and numbers every part of a plan shares: modality names, point names, numbers."""

from __future__ import annotations

from collections.abc import Mapping

from acucare.kb.records.acupoints import Acupoint

MANUAL = "manual_acupuncture"
ELECTRO = "electroacupuncture"
AURICULAR = "auricular_acupuncture"


def number(value: float) -> int | float:
    """Whole numbers print as integers (12, not 12.0): the document reads as the trial does."""
    return int(value) if float(value).is_integer() else value


def point_name(points: Mapping[str, Acupoint], code: str) -> str:
    point = points[code]
    return f"{point.pinyin} ({code})"
