"""The chart's share form: written out in the chart template from (public id, name) pairs,
with the markup `clinic_site/_field.html` gives a required choice field, and validated by
`services.patient_share` when posted."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.utils.html import escape

from acucare.accounts.models import display_name_of
from acucare.patients.models import PatientShare
from tests.factories import make_patient, make_practitioner, make_reception, share, signed_in

pytestmark = pytest.mark.django_db


def share_form(html: str) -> str:
    """The share form's markup with the whitespace between tags taken out."""
    match = re.search(r'<form method="post" action="/patients/[^"]+/share/".*?</form>', html, re.S)
    assert match, "no share form"
    return re.sub(r">\s+<", "><", match.group(0))


def options(form: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]*)"(?: selected)?>([^<]*)</option>', form)


@pytest.fixture
def clinic():
    doc = make_practitioner(username="doc", first_name="Ada", last_name="Lovelace")
    colleagues = {
        "nameless": make_practitioner(username="zed", first_name="", last_name=""),
        "first": make_practitioner(username="cc", first_name="Carl", last_name=""),
        "last": make_practitioner(username="dd", first_name="", last_name="Dee"),
        "odd": make_practitioner(username="bob", first_name="Bob <&>", last_name='O\'Neil "x"'),
    }
    shared = make_practitioner(username="ss", first_name="Shared", last_name="One")
    make_practitioner(username="gone", first_name="Gone", last_name="Away", is_active=False)
    make_reception(username="desk", first_name="Desk", last_name="Person")
    patient = make_patient(doc)
    share(patient, shared)
    return doc, colleagues, shared, patient


def test_the_primary_practitioner_gets_a_labelled_required_select_of_active_colleagues(clinic):
    doc, colleagues, _shared, patient = clinic
    html = signed_in(doc).get(f"/patients/{patient.public_id}/").content.decode()
    form = share_form(html)
    assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">', form)
    markup = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", form)
    # Exactly what Django's select widget inside clinic_site/_field.html gave.
    assert markup == (
        f'<form method="post" action="/patients/{patient.public_id}/share/" class="toolbar">'
        '<input type="hidden" CSRF><div class="field">'
        '<label for="id_practitioner">Practitioner <span class="req">(required)</span></label>'
        '<select name="practitioner" required id="id_practitioner">'
        '<option value="" selected>Choose a colleague…</option>'
        f'<option value="{colleagues["nameless"].public_id}">zed</option>'
        f'<option value="{colleagues["first"].public_id}">Carl</option>'
        f'<option value="{colleagues["last"].public_id}">Dee</option>'
        f'<option value="{colleagues["odd"].public_id}">'
        "Bob &lt;&amp;&gt; O&#x27;Neil &quot;x&quot;</option>"
        '</select></div><button type="submit">Share</button></form>'
    )
    # Not the actor, not a colleague it is shared with already, not an inactive
    # practitioner, not reception; each name as the rest of the site shows it.
    assert options(form)[1:] == [
        (str(c.public_id), escape(c.display_name)) for c in colleagues.values()
    ]


def test_no_share_form_without_a_colleague_to_offer_or_for_anyone_but_the_primary(clinic):
    doc, colleagues, shared, patient = clinic
    for colleague in colleagues.values():
        share(patient, colleague)
    html = signed_in(doc).get(f"/patients/{patient.public_id}/").content.decode()
    assert "/share/" not in html
    assert "Stop sharing" in html
    other = make_patient(doc)
    share(other, shared)
    for user in (shared, make_reception()):
        html = signed_in(user).get(f"/patients/{other.public_id}/").content.decode()
        assert "/share/" not in html
        assert 'id="id_practitioner"' not in html


@pytest.mark.parametrize("who", ["inactive", "reception", "self", "unknown", "empty", "malformed"])
def test_a_posted_share_is_still_validated_against_the_active_practitioners(clinic, who):
    doc, _colleagues, _shared, patient = clinic
    target = {
        "inactive": lambda: str(make_practitioner(is_active=False).public_id),
        "reception": lambda: str(make_reception().public_id),
        "self": lambda: str(doc.public_id),
        "unknown": lambda: "00000000-0000-4000-8000-000000000000",
        # A hand-made POST (the browser's `required` stops an empty one): refused with
        # the form's message, not a server error.
        "empty": lambda: "",
        "malformed": lambda: "not-an-id",
    }[who]()
    assert_refused(doc, f"/patients/{patient.public_id}/share/", target)


@pytest.mark.parametrize("practitioner", ["", "not-an-id", "00000000-0000-4000-8000-000000000000"])
def test_stopping_a_share_that_names_no_shared_colleague_is_refused_not_an_error(
    clinic, practitioner
):
    doc, _colleagues, _shared, patient = clinic
    assert_refused(doc, f"/patients/{patient.public_id}/unshare/", practitioner)


def assert_refused(user, path: str, practitioner: str) -> None:
    """Back to the chart with an error message, and no share made or removed."""
    before = PatientShare.objects.count()
    response = signed_in(user).post(path, {"practitioner": practitioner})
    assert response.status_code == 302
    assert PatientShare.objects.count() == before
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


def test_display_name_of_is_the_users_display_name():
    for first, last, username in [("Ada", "Lovelace", "a"), ("", "", "b"), ("C", "", "c")]:
        user = make_practitioner(username=username, first_name=first, last_name=last)
        assert display_name_of(username, first, last) == user.display_name
