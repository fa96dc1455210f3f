"""Content-Security-Policy on every response, idle timeout of browser sessions."""

import time

import pytest
from django.test import Client

from acucare.audit.models import AuditEvent
from tests.factories import make_practitioner, signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/sign-in/", "/patients/", "/api/v1/me", "/no-such-page/"])
def test_every_response_has_a_strict_content_security_policy(path):
    response = Client().get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_pages_carry_no_inline_script_or_style():
    doc = make_practitioner()
    html = signed_in(doc).get("/patients/").content.decode()
    assert "<script>" not in html
    assert " style=" not in html
    assert "<style" not in html
    assert 'src="/static/acucare/vendor/htmx.min.js"' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_a_session_idle_past_the_limit_is_signed_out(settings):
    settings.ACUCARE_IDLE_TIMEOUT_MINUTES = 15
    doc = make_practitioner()
    client = signed_in(doc)
    assert client.get("/patients/").status_code == 200
    session = client.session
    session["acucare_last_seen"] = time.time() - 16 * 60
    session.save()
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert client.get("/patients/").status_code == 302  # really signed out
    assert AuditEvent.objects.filter(action="timeout", actor=doc).count() == 1


def test_activity_within_the_limit_keeps_the_session(settings):
    settings.ACUCARE_IDLE_TIMEOUT_MINUTES = 15
    client = signed_in(make_practitioner())
    client.get("/patients/")
    session = client.session
    session["acucare_last_seen"] = time.time() - 14 * 60
    session.save()
    assert client.get("/patients/").status_code == 200


def test_an_idle_api_session_gets_401_json(settings):
    client = signed_in(make_practitioner())
    client.get("/api/v1/me")
    session = client.session
    session["acucare_last_seen"] = time.time() - (settings.ACUCARE_IDLE_TIMEOUT_MINUTES + 1) * 60
    session.save()
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_an_htmx_request_after_the_session_ended_loads_the_sign_in_page():
    client = signed_in(make_practitioner())
    client.get("/patients/")
    session = client.session
    session["acucare_last_seen"] = time.time() - 24 * 60 * 60
    session.save()
    response = client.get(
        "/patients/?q=a", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="patient-results"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/sign-in/")
    # And when there is no session at all.
    anonymous = Client().get("/patients/?q=a", HTTP_HX_REQUEST="true")
    assert anonymous.status_code == 204
    assert anonymous["HX-Redirect"].startswith("/sign-in/")


def test_a_stale_csrf_token_gets_a_readable_page():
    doc = make_practitioner()
    client = Client(enforce_csrf_checks=True)
    client.force_login(doc, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/patients/new/", {"given_name": "x"})
    assert response.status_code == 403
    assert "This form could not be accepted" in response.content.decode()
