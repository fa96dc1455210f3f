"""The outcome pages, through the test client."""

from __future__ import annotations

import pytest

from tests.factories import signed_in
from tests.outcomes.factories import make_course, record

pytestmark = pytest.mark.django_db


def test_the_outcomes_page_shows_the_course_and_its_charts():
    world = make_course()
    client = signed_in(world.practitioner)
    html = client.get(f"/outcomes/episodes/{world.episode.public_id}/").content.decode()
    assert "Pain at each session" in html
    assert "<svg" in html
    assert "Session 6 of" in html
    assert "Measurement schedule" in html


def test_review_then_discharge():
    world = make_course()
    client = signed_in(world.practitioner)
    base = f"/outcomes/episodes/{world.episode.public_id}"
    page = client.get(f"{base}/review/")
    assert page.status_code == 200, page.content.decode()[:2000]
    record(world, "review", pgic=2)
    page = client.get(f"{base}/review/")
    assert "Suggested" in page.content.decode()
    response = client.post(f"{base}/review/", {"decision": "continue", "reason": "Improving."})
    assert response.status_code == 302, response.content.decode()[:3000]
    response = client.post(
        f"{base}/discharge/", {"reason": "goals_met", "advice": "Keep walking daily."}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    html = client.get(f"{base}/").content.decode()
    assert "Discharged" in html
    chart = client.get(f"/patients/{world.episode.patient.public_id}/").content.decode()
    assert "At a glance" in chart
    treatment = client.get(f"/treatment/episodes/{world.episode.public_id}/").content.decode()
    assert "Chart a session" not in treatment


def test_the_chart_summary_shows_the_current_screenings_alerts_and_the_course():
    from tests.assessments.factories import make_assessment

    world = make_course()
    make_assessment(world.episode, history=["metal_allergy", "diabetes"], medications=["warfarin"])
    html = signed_in(world.practitioner).get(f"/patients/{world.episode.patient.public_id}/")
    text = html.content.decode()
    assert "At a glance" in text
    assert "Allergy:" in text
    assert "Caution:" in text  # diabetes: care with needling the feet
    assert "Blocks:" in text  # warfarin
    assert "Session 6 of" in text
    assert "Pain at each session" in text


def test_every_chart_on_the_outcomes_page_has_its_own_ids():
    """Each questionnaire's chart names its caption, title and description by id; they
    were all "-caption", "-title"… (the id was lost), so assistive technology read one
    chart's caption for every chart."""
    import re
    from collections import Counter

    world = make_course()
    phq9 = {str(i): 0 for i in range(1, 10)}
    record(world, "review", scores={"peg": {"1": 3, "2": 3, "3": 3}, "phq9": phq9}, pgic=2)
    html = signed_in(world.practitioner).get(f"/outcomes/episodes/{world.episode.public_id}/")
    text = html.content.decode()
    assert text.count('class="outcome-chart"') >= 3  # pain, PEG, PHQ-9
    ids = Counter(re.findall(r'\sid="([^"]*)"', text))
    assert not [i for i, n in ids.items() if n > 1], ids
    assert not [i for i in ids if i.startswith("-") or not i]
    for labelled in re.findall(r'aria-labelledby="([^"]*)"', text):
        assert all(part in ids for part in labelled.split()), labelled
