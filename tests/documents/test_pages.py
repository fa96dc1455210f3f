"""The document pages: the chart lists documents and offers to write them; the preview
page shows the document and signs it; the download is the stored PDF, audited, and a
damaged file is refused."""

from __future__ import annotations

import pytest

from acucare.audit.models import AuditEvent
from acucare.documents import services, storage
from acucare.documents.models import Document
from tests.documents.factories import referred_episode, reviewed_course, run_signing
from tests.factories import actor, make_episode, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db


def test_the_preview_page_shows_the_letter_and_signing_stores_it():
    episode = referred_episode()
    client = signed_in(episode.patient.primary_practitioner)
    url = f"/documents/episodes/{episode.public_id}/referral-letter/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Referral letter for Ada Moreno" in text
    assert "Unexplained weight loss." in text
    assert "Preview — not signed." in text
    assert "referral_letter" not in text  # words, not ids
    signed = client.post(url, {"versions": "0", "subject": ""})
    assert signed.status_code == 302
    assert signed["Location"].startswith("/documents/signing/")
    waiting = client.get(signed["Location"]).content.decode()
    assert "Signing…" in waiting
    assert "Refresh" in waiting
    assert not Document.objects.exists()
    run_signing(signed)
    document = Document.objects.get()
    done = client.get(signed["Location"]).content.decode()
    assert "Referral letter signed and stored (version 1)." in done
    assert f"/documents/{document.public_id}/download/" in done
    chart = client.get(f"/patients/{episode.patient.public_id}/").content.decode()
    assert f"/documents/{document.public_id}/download/" in chart
    assert "Referral letter, version 1" in chart


def test_a_stale_page_cannot_sign_over_a_newer_version():
    episode = referred_episode()
    client = signed_in(episode.patient.primary_practitioner)
    url = f"/documents/episodes/{episode.public_id}/referral-letter/"
    run_signing(client.post(url, {"versions": "0"}))
    stale = client.post(url, {"versions": "0"})
    assert stale.status_code == 409
    assert "Someone else signed a version" in stale.content.decode()
    assert Document.objects.count() == 1


def test_a_document_that_cannot_be_written_says_why():
    practitioner = make_practitioner()
    episode = make_episode(make_patient(practitioner))
    client = signed_in(practitioner)
    page = client.get(f"/documents/episodes/{episode.public_id}/discharge-summary/")
    assert page.status_code == 200
    assert "has not been discharged" in page.content.decode()
    refused = client.post(f"/documents/episodes/{episode.public_id}/discharge-summary/")
    assert refused.status_code == 422
    assert not Document.objects.exists()


def test_the_outcomes_page_offers_the_progress_report_of_each_review():
    world = reviewed_course()
    client = signed_in(world.practitioner)
    review = world.episode.course_reviews.get()
    link = (
        f"/documents/episodes/{world.episode.public_id}/progress-report/?review={review.public_id}"
    )
    outcomes = client.get(f"/outcomes/episodes/{world.episode.public_id}/").content.decode()
    assert link.replace("&", "&amp;") in outcomes
    page = client.get(link)
    assert page.status_code == 200
    assert "Progress report after session 6" in page.content.decode()
    assert "<svg" in page.content.decode()
    signed = client.post(link, {"versions": "0", "subject": str(review.public_id)})
    assert signed.status_code == 302
    run_signing(signed)
    assert Document.objects.get().subject_id == review.public_id


def test_the_download_is_the_stored_pdf_and_is_audited():
    episode = referred_episode()
    owner = episode.patient.primary_practitioner
    letter = services.document_sign(
        actor=actor(owner), episode_id=episode.public_id, kind="referral_letter"
    )
    response = signed_in(owner).get(f"/documents/{letter.public_id}/download/")
    assert response.status_code == 200
    assert response.content == storage.read(letter.sha256)
    assert response["Content-Disposition"].startswith('attachment; filename="referral-letter-')
    assert response["X-Content-SHA256"] == letter.sha256
    event = AuditEvent.objects.get(action="download")
    assert event.detail["sha256"] == letter.sha256


def test_a_damaged_file_is_refused_not_served():
    episode = referred_episode()
    owner = episode.patient.primary_practitioner
    letter = services.document_sign(
        actor=actor(owner), episode_id=episode.public_id, kind="referral_letter"
    )
    path = storage.path_for(letter.sha256)
    path.chmod(0o600)
    path.write_bytes(b"%PDF-1.7 not the signed document")
    response = signed_in(owner).get(f"/documents/{letter.public_id}/download/")
    assert response.status_code == 500
    assert b"%PDF" not in response.content
    assert "does not match" in response.content.decode()
    assert not AuditEvent.objects.filter(action="download").exists()
