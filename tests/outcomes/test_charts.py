"""The outcome charts: the 30 % and 50 % lines come from the NRS record, every series
has a shape of its own, text is escaped, and the numbers are in the table."""

from __future__ import annotations

import pytest

from acucare.outcomes import charts

pytestmark = pytest.mark.django_db


def test_the_thresholds_are_the_nrs_records():
    assert [p for p, _ in charts.pain_thresholds()] == [50.0, 30.0]


def test_a_pain_chart_draws_baseline_thresholds_markers_and_both_series():
    chart = charts.pain_chart(
        [charts.PainSession(1, "1 Jan 2026", 8, 6), charts.PainSession(2, "8 Jan 2026", 6, None)],
        baseline=8.0,
        baseline_label="PEG <b>",
        reviews=[2],
        discharge=2,
        planned=6,
    )
    svg = str(chart.svg_body())
    assert "Baseline 8 (PEG &lt;b&gt;)" in svg
    assert "30 % less: 5.6" in svg
    assert "50 % less: 4" in svg
    assert "Review 2" in svg
    assert "Discharge" in svg
    assert svg.count("<circle") == 2  # pain before: filled dots
    assert svg.count("<rect") == 1  # pain after: open squares (one measured)
    assert "<title>Session 2: pain before 6</title>" in svg
    rows = str(chart.table_body())
    assert '<th scope="row">2</th><td>8 Jan 2026</td><td>6</td><td>—</td>' in rows


def test_an_empty_chart_says_so():
    chart = charts.pain_chart([], baseline=None, baseline_label="")
    assert chart.empty
    assert "Nothing recorded yet" in str(chart.table_body())
