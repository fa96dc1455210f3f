"""Signing as a background job: the page queues it once however often it is sent, shows
its progress, and then the stored document; a failed rendering is retried; a run
delivered twice signs once; a signing overtaken by another is refused, not retried."""

from __future__ import annotations

import pytest

from acucare.documents import rendering, services
from acucare.documents.jobs import sign_document
from acucare.documents.models import Document
from acucare.jobs.framework import JobAttemptError
from acucare.jobs.models import JobRun, RunStatus
from tests.documents.factories import referred_episode, run_signing
from tests.factories import actor, make_practitioner, make_reception, share, signed_in

pytestmark = pytest.mark.django_db


def queue(client, episode, versions="0"):
    url = f"/documents/episodes/{episode.public_id}/referral-letter/"
    response = client.post(url, {"versions": versions})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_sending_the_form_twice_queues_one_signing():
    episode = referred_episode()
    client = signed_in(episode.patient.primary_practitioner)
    first = queue(client, episode)
    again = queue(client, episode)
    assert first["Location"] == again["Location"]
    assert JobRun.objects.count() == 1
    run_signing(first)
    assert Document.objects.count() == 1


def test_the_page_shows_progress_then_the_document():
    episode = referred_episode()
    client = signed_in(episode.patient.primary_practitioner)
    queued = queue(client, episode)
    page = client.get(queued["Location"]).content.decode()
    assert "Waiting to start" in page
    assert '<progress id="signing-progress" max="100" value="0">' in page
    assert 'hx-trigger="every 2s"' in page
    run = run_signing(queued)
    assert run.status == RunStatus.SUCCEEDED
    assert run.percent == 100
    page = client.get(queued["Location"]).content.decode()
    document = Document.objects.get()
    assert "signed and stored (version 1)" in page
    assert f"/documents/{document.public_id}/download/" in page
    assert "hx-trigger" not in page  # done: the page stops asking


def test_a_failed_rendering_is_retried_and_then_signs(monkeypatch):
    episode = referred_episode()
    client = signed_in(episode.patient.primary_practitioner)
    queued = queue(client, episode)
    real = rendering.signed_pdf
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("font cache unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "signed_pdf", flaky)
    run_id = queued["Location"].rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(JobAttemptError):
        sign_document.call(run_id)
    run = JobRun.objects.get(public_id=run_id)
    assert run.status == RunStatus.RETRYING
    assert run.error == "builtins.OSError"
    assert not Document.objects.exists()
    assert "Signing…" in client.get(queued["Location"]).content.decode()
    sign_document.call(run_id)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert Document.objects.count() == 1


def test_a_run_delivered_again_after_it_signed_finds_its_document():
    episode = referred_episode()
    client = signed_in(episode.patient.primary_practitioner)
    queued = queue(client, episode)
    run = run_signing(queued)
    first = run.result
    # A worker died after storing the document, before marking the run finished.
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, result=None)
    sign_document.call(str(run.public_id))
    run.refresh_from_db()
    assert run.result == first
    assert Document.objects.count() == 1


def test_a_signing_overtaken_by_another_is_refused_not_retried():
    episode = referred_episode()
    owner = episode.patient.primary_practitioner
    colleague = make_practitioner()
    share(episode.patient, colleague)
    queued = queue(signed_in(colleague), episode)
    services.document_sign(actor=actor(owner), episode_id=episode.public_id, kind="referral_letter")
    run = run_signing(queued)
    assert run.status == RunStatus.SUCCEEDED
    assert run.result is not None
    assert "Someone else signed" in run.result["refused"]
    page = signed_in(colleague).get(queued["Location"]).content.decode()
    assert "Not signed" in page
    assert "Someone else signed" in page
    assert Document.objects.count() == 1


def test_only_practitioners_with_access_see_a_signing():
    episode = referred_episode()
    queued = queue(signed_in(episode.patient.primary_practitioner), episode)
    assert signed_in(make_practitioner()).get(queued["Location"]).status_code == 404
    assert signed_in(make_reception()).get(queued["Location"]).status_code == 403
