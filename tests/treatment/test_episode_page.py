"""The episode page's sessions table (its rows are built in Python, not a template loop):
each session's link, date, pain, needle counts, adverse events and signing, as before."""

from __future__ import annotations

import re

import pytest

from acucare.treatment import services
from tests.factories import actor, signed_in
from tests.treatment.factories import episode_with_assessment, make_plan, make_session

pytestmark = pytest.mark.django_db

LATE_SERIOUS_EVENT = {
    "seriousness": "serious",
    "mechanism": "traumatic",
    "type_code": "retained_needle",
    "needed_treatment": True,
    "duration_days": 0,
    "avoidable": "yes",
    "modality": "manual",
    "reporter": "patient",
}


def _rows(html: str) -> list[str]:
    table = html.split("<caption>Sessions</caption>", 1)[1]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(row.split()) for row in re.findall(r"<tr>.*?</tr>", body, re.S)]


def test_each_session_row_says_what_was_charted_and_who_signed():
    episode, _ = episode_with_assessment()
    plan = make_plan(episode, approve=True)
    doctor = episode.patient.primary_practitioner
    doctor.first_name, doctor.last_name = "Ada <b>", "O'Neil & Co"
    doctor.save()
    who = actor(doctor)
    first = make_session(plan, needles_in=8, needles_out=7, adverse_events=[])
    second = make_session(plan, pain_before=6, pain_after=3)
    services.session_sign(actor=who, session_id=second.public_id, version=1)
    for reason in ("Patient report", "Second report"):
        services.session_amend(
            actor=who,
            session_id=second.public_id,
            reason=reason,
            text="",
            adverse_events=[LATE_SERIOUS_EVENT],
        )

    rows = _rows(
        signed_in(doctor).get(f"/treatment/episodes/{episode.public_id}/").content.decode()
    )

    day = f"{first.date:%-d %b %Y}"
    assert rows == [
        f'<tr><td><a href="/treatment/sessions/{first.public_id}/">Session 1</a></td> '
        f"<td>{day}</td> <td>7 → 5</td> "
        '<td>8/7 <strong class="error">mismatch</strong></td> <td>0</td> '
        "<td>Not signed</td></tr>",
        f'<tr><td><a href="/treatment/sessions/{second.public_id}/">Session 2</a></td> '
        f"<td>{day}</td> <td>6 → 3</td> <td>3/3</td> "
        '<td>3 <strong class="error">(2 serious)</strong></td> '
        "<td>Signed by Ada &lt;b&gt; O&#x27;Neil &amp; Co, 2 amendments</td></tr>",
    ]
