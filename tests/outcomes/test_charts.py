"""The outcome charts: the 30 % and 50 % lines come from the NRS record, every series
has a shape of its own, text is escaped, and the numbers are in the table."""

from __future__ import annotations

import html

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


def test_diary_pain_is_a_series_of_its_own_between_the_sessions():
    sessions = [
        charts.PainSession(1, "1 Jan 2026", 8, 6),
        charts.PainSession(2, "8 Jan 2026", 6, 5),
    ]
    chart = charts.pain_chart(
        sessions,
        diary=[
            charts.DiaryDay(1, 2, "3 Jan 2026", 5),
            charts.DiaryDay(1, 1, "2 Jan 2026", 7),
        ],
        baseline=8.0,
        baseline_label="NRS",
    )
    diary = next(s for s in chart.series if s.css == "series-diary")
    assert diary.name == "Pain in the diary between sessions"
    assert diary.marker == "diamond"  # a shape of its own, not only a colour
    assert [p.value for p in diary.points] == [7, 5]  # in day order
    after_first, before_second = chart.series[1].points[0].x, chart.series[0].points[1].x
    assert all(after_first < p.x < before_second for p in diary.points)
    svg = str(chart.svg_body())
    assert svg.count("<polygon") == 2
    assert "<title>Diary, 2 Jan 2026 (1 day after session 1): pain 7</title>" in svg
    assert "in the diary on the days after" in chart.description
    assert chart.columns[-1] == "Pain in the diary"
    rows = str(chart.table_body())
    assert "<td>7 on 2 Jan 2026; 5 on 3 Jan 2026</td></tr>" in rows
    assert rows.endswith("<td>—</td></tr>")  # nothing written after session 2


def test_without_a_diary_the_table_has_no_diary_column():
    chart = charts.pain_chart(
        [charts.PainSession(1, "1 Jan 2026", 8, 6)], baseline=None, baseline_label=""
    )
    assert "Pain in the diary" not in chart.columns
    assert "<polygon" not in str(chart.svg_body())


def test_an_empty_chart_says_so():
    chart = charts.pain_chart([], baseline=None, baseline_label="")
    assert chart.empty
    assert "Nothing recorded yet" in str(chart.table_body())


@pytest.mark.parametrize("markup", ["&", "<", ">", '"', "'", '<b>O\'Neil & "Co"</b>'])
def test_every_character_of_markup_is_escaped_in_the_drawing_and_the_table(markup):
    """Each of the five characters of markup, in a session's date, a diary day's date and
    the baseline's label, reaches the page escaped."""
    chart = charts.pain_chart(
        [charts.PainSession(1, f"1 Jan {markup}", 8, 6)],
        diary=[charts.DiaryDay(1, 1, f"2 Jan {markup}", 7)],
        baseline=8.0,
        baseline_label=markup,
    )
    escaped = html.escape(markup)
    svg, rows = str(chart.svg_body()), str(chart.table_body())
    assert f"Baseline 8 ({escaped})" in svg
    assert f"Diary, 2 Jan {escaped}" in svg  # a marker's title
    assert f"<td>1 Jan {escaped}</td>" in rows
    assert f"1 Jan {markup}<" not in rows
    assert f"2 Jan {markup} (" not in svg
