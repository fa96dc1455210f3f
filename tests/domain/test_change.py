"""Interpreting change between two scores: MCIDs and the IMMPACT tiers, from the records.

Expected categories follow Dworkin 2008 (IMMPACT: a pain reduction of 30 % or more is
moderately important, 50 % or more substantial), Farrar 2001 (about 2 points or 30 % on
the 0–10 NRS), Ostelo 2008 (RMDQ 5 points, ODI 10 points, or 30 % from baseline),
Reed 2024 (PEG about 1 point, the minimally important difference), Vernon's note
(NDI 5 points), Löwe 2004 (PHQ-9 5 points) and Toussaint 2020 (GAD-7 4 points).
Floor rules (issue 9 item 10): a change smaller than the instrument's
absolute minimal important difference is never important, whatever its percentage, and
percentage tiers apply to pain only from a baseline of 4 (Farrar 2001's trials enrolled
baseline pain of 4 or more). PGIC "minimally improved" is a minimal improvement
(Dworkin 2008).
"""

from __future__ import annotations

import math

import pytest

from acucare.domain.errors import InputError
from acucare.domain.scoring import classify_change
from acucare.kb import Registry
from acucare.kb.records.instruments import Instrument

CASES = [
    # instrument, baseline, follow-up, category, (kind, value) of the deciding threshold
    ("nrs", 8, 4, "much_better", ("percent", 50)),
    ("nrs", 4, 2, "much_better", ("percent", 50)),
    ("nrs", 10, 6, "better", ("percent", 30)),
    ("nrs", 10, 7, "better", ("percent", 30)),  # exactly 30 %
    ("nrs", 10, 8, "better", ("points", 2)),  # 20 %, but 2 points
    ("nrs", 7, 5, "better", ("points", 2)),  # 28.6 %, 2 points
    ("nrs", 5, 4, "no_important_change", None),  # 20 %, 1 point
    ("nrs", 6, 6, "no_important_change", None),
    ("nrs", 0, 0, "no_important_change", None),
    ("nrs", 0, 1, "no_important_change", None),  # no percentage from a 0 baseline
    ("nrs", 0, 3, "worse", ("points", 2)),
    ("nrs", 3, 5, "worse", ("points", 2)),  # +67 %, but percentages start at baseline 4
    ("nrs", 6, 7, "no_important_change", None),  # +16.7 %, 1 point
    # Floors: below the 2-point MID nothing is important, whatever the percentage.
    ("nrs", 1, 2, "no_important_change", None),  # +100 %, 1 point: not a worsening
    ("nrs", 2, 1, "no_important_change", None),  # -50 %, 1 point: not substantial
    ("nrs", 3, 1, "better", ("points", 2)),  # -67 % from below 4: points only
    ("nrs", 3, 0, "better", ("points", 2)),  # -100 % from below 4: still points only
    ("nrs", 4, 5, "no_important_change", None),  # +25 %, 1 point
    ("peg", 7, 6, "minimally_better", ("points", 1)),  # Reed 2024: MID about 1 point
    ("peg", 7, 6.33, "no_important_change", None),
    ("peg", 6.33, 7.33, "worse", ("points", 1)),
    ("peg", 7, 3.67, "better", ("percent", 30)),  # -47.6 %: the contract's example
    ("peg", 8, 4, "much_better", ("percent", 50)),
    ("peg", 3, 1, "minimally_better", ("points", 1)),  # -67 % from below 4: points only
    ("peg", 2, 1.33, "no_important_change", None),  # -33 %, 0.67 points
    ("rmdq", 12, 7, "better", ("points", 5)),
    ("rmdq", 10, 7, "no_important_change", None),  # -30 %, 3 points: below the 5-point MID
    ("rmdq", 20, 14, "better", ("points", 5)),  # -30 % and 6 points
    ("rmdq", 20, 16, "no_important_change", None),
    ("rmdq", 4, 9, "worse", ("points", 5)),
    ("rmdq", 2, 3, "no_important_change", None),  # +50 %, 1 point: not worse
    ("rmdq", 3, 1, "no_important_change", None),  # -67 %, 2 points: below the 5-point MID
    ("odi", 40, 30, "better", ("points", 10)),
    ("odi", 20, 14, "no_important_change", None),  # -30 %, 6 points: below the 10-point MID
    ("odi", 10, 14, "no_important_change", None),  # +40 %, 4 points: not worse
    ("odi", 50, 45, "no_important_change", None),
    ("odi", 30, 42, "worse", ("points", 10)),
    ("ndi", 20, 15, "better", ("points", 5)),
    ("ndi", 20, 17, "no_important_change", None),
    ("ndi", 10, 15, "worse", ("points", 5)),
    # Löwe 2004: PHQ-9 MCID 5 points; Toussaint 2020: GAD-7 MCID 4 points.
    ("phq9", 6, 3, "no_important_change", None),  # the contract's example outcome
    ("phq9", 18, 8, "better", ("points", 5)),
    ("phq9", 4, 9, "worse", ("points", 5)),
    ("gad7", 12, 8, "better", ("points", 4)),
    ("gad7", 12, 9, "no_important_change", None),
    ("gad7", 3, 7, "worse", ("points", 4)),
]


@pytest.mark.parametrize(("instrument", "baseline", "follow_up", "category", "used"), CASES)
def test_change_category(
    registry: Registry,
    instrument: str,
    baseline: float,
    follow_up: float,
    category: str,
    used: tuple[str, float] | None,
) -> None:
    result = classify_change(registry, instrument, baseline, follow_up)
    assert result.category == category
    if used is None:
        assert result.threshold is None
    else:
        assert result.threshold is not None
        assert (result.threshold.kind, result.threshold.value) == used
        assert result.threshold.citations
    assert math.isclose(result.change, follow_up - baseline, abs_tol=0.01)
    if baseline:
        expected = round((follow_up - baseline) * 100 / baseline, 1)
        assert result.percent_change == pytest.approx(expected, abs=0.05)
    else:
        assert result.percent_change is None
    assert result.message


def test_document_shape(registry: Registry) -> None:
    document = classify_change(registry, "nrs", 8, 5).as_document()
    assert document["category"] == "better"
    assert document["percent_change"] == -37.5
    assert document["threshold"] == {
        "tier": "better",
        "kind": "percent",
        "value": 30,
        "citations": ["dworkin2008", "farrar2001", "ostelo2008"],
    }
    assert document["produced_by"] == "nrs@1"
    assert document["kb_version"] == registry.version


def test_instrument_without_verified_threshold_reports_bands_only(registry: Registry) -> None:
    result = classify_change(registry, "pss10", 30, 10)
    assert result.category is None
    assert result.threshold is None
    assert result.change == -20
    phq9 = classify_change(registry, "phq9", 18, 8)
    assert (phq9.baseline_band, phq9.follow_up_band) == ("moderately_severe", "mild")
    for instrument in ("phq4", "pss10", "pss4", "startback"):
        assert classify_change(registry, instrument, 0, 0).category is None


def test_thresholds_come_from_the_records(registry: Registry) -> None:
    """At the smallest stated points threshold a change is important; just below it is not."""
    for key, instrument in registry.of(Instrument).items():
        change = instrument.change
        if change is None:
            continue
        points = [
            t.value
            for t in change.thresholds
            if t.kind == "points" and any(r.evidence != "unverified" for r in t.citations)
        ]
        if not points:
            continue
        step = min(points)
        assert classify_change(registry, key, 0, 0).category == "no_important_change"
        top = {"nrs": 10, "peg": 10, "rmdq": 24, "odi": 100, "ndi": 50, "phq9": 27, "gad7": 21}[key]
        # Start low so that no percentage threshold is met before the points one.
        start = top
        assert classify_change(registry, key, start, start - step).category in (
            "minimally_better",
            "better",
            "much_better",
        ), key
        just_below = classify_change(registry, key, start, start - step * 0.9)
        assert just_below.category == "no_important_change", key
        assert classify_change(registry, key, start - step, start).category == "worse", key


def test_pgic_is_itself_a_change_rating(registry: Registry) -> None:
    with pytest.raises(InputError) as caught:
        classify_change(registry, "pgic", 4, 2)
    assert caught.value.field == "instrument"
    assert "nrs" in caught.value.allowed  # type: ignore[operator]


@pytest.mark.parametrize(
    ("baseline", "follow_up", "field"),
    [
        (11, 5, "baseline"),
        (5, -1, "follow_up"),
        (True, 5, "baseline"),
        ("8", 5, "baseline"),
        (5, math.nan, "follow_up"),
        (5, math.inf, "follow_up"),
        (None, 5, "baseline"),
    ],
)
def test_rejected_scores(
    registry: Registry, baseline: object, follow_up: object, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        classify_change(registry, "nrs", baseline, follow_up)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.allowed == {"min": 0, "max": 10}


def test_unknown_instrument(registry: Registry) -> None:
    with pytest.raises(InputError) as caught:
        classify_change(registry, "vas", 5, 3)
    assert caught.value.field == "instrument"
    assert caught.value.allowed == sorted(registry.of(Instrument))
