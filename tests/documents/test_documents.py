"""Documents from the record: what each says, signing, versions that supersede, and a
signed document that cannot be changed by the model, the queryset or raw SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from acucare.audit.models import AuditEvent
from acucare.documents import content, selectors, services, storage
from acucare.documents.chart import chart_documents
from acucare.documents.models import Document, ImmutableDocumentError
from acucare.domain.errors import ConflictError, InputError
from acucare.outcomes.selectors import episode_progress
from acucare.patients.selectors import patient_chart
from acucare.portal.models import DiaryEntry
from tests.assessments.factories import make_assessment
from tests.documents.factories import discharged_course, referred_episode, reviewed_course
from tests.documents.pdf_tools import pdf_text
from tests.factories import actor, make_episode, make_patient, make_practitioner

pytestmark = pytest.mark.django_db


def _sign(episode, kind, **extra):
    return services.document_sign(
        actor=actor(episode.patient.primary_practitioner),
        episode_id=episode.public_id,
        kind=kind,
        **extra,
    )


def _text(document: Document) -> str:
    return " ".join(pdf_text(storage.read(document.sha256)).split())


def test_a_referral_letter_says_what_was_found_why_what_is_asked_and_how_urgently():
    episode = referred_episode()
    letter = _sign(episode, "referral_letter")
    text = _text(letter)
    for expected in [
        "Dr Helen Okafor Riverside Medical Practice",
        "Referral letter",
        "Routine: please see the patient before acupuncture begins.",
        "Unexplained weight loss.",
        "red flag for malignancy",
        "Please assess: Unexplained weight loss.",
        "cleared or not cleared",
        "Verhagen AP",  # the rule's citation, resolved in the bibliography
        "Signed electronically by",
    ]:
        assert expected in text, expected
    assert letter.addressee == "Dr Helen Okafor"
    assert letter.subject_type == "assessment"
    assert letter.kb_version.startswith("kb-")


def test_an_urgent_finding_makes_the_letter_urgent():
    practitioner = make_practitioner()
    episode = make_episode(make_patient(practitioner))
    make_assessment(episode, red_flags=["saddle_anaesthesia", "unexplained_weight_loss"])
    text = _text(_sign(episode, "referral_letter"))
    assert text.index("Emergency") < text.index("What was found")


def test_no_referral_letter_without_a_finding_that_needs_a_doctor():
    practitioner = make_practitioner()
    episode = make_episode(make_patient(practitioner))
    with pytest.raises(InputError) as caught:
        _sign(episode, "referral_letter")
    assert "No safety screening" in caught.value.message
    make_assessment(episode)
    with pytest.raises(InputError) as caught:
        _sign(episode, "referral_letter")
    assert caught.value.field == "kind"
    assert not Document.objects.exists()


def test_a_progress_report_at_a_review_has_the_course_the_chart_and_the_decision():
    world = reviewed_course()
    report = _sign(world.episode, "progress_report")
    text = _text(report)
    for expected in [
        "Progress report after session 6",
        "M54.50",
        "Treatment delivered (STRICTA)",
        "BL23 bilateral (6)",
        "0.25 × 40 mm, stainless steel",
        "Needle retention: 20 minutes.",
        "No electroacupuncture.",
        "Pain at each session",
        "Response (IMMPACT tier):",
        "Decision at the review: Continue the plan.",
        "Adverse events",
    ]:
        assert expected in text, expected
    assert report.subject_type == "course_review"


def test_the_letters_pain_chart_has_the_patients_diary_pain():
    """The pain the patient wrote in their diary is in the letter's chart and its table,
    as on the outcomes page; a diary day after the letter's session is left out."""
    world = reviewed_course()
    third, sixth = world.sessions[2], world.sessions[5]
    for session, pain in ((third, 2), (sixth, 1)):
        DiaryEntry.objects.create(
            patient=world.episode.patient,
            session=session,
            day=session.date + dt.timedelta(days=1),
            pain=pain,
            sleep_hours=Decimal("7.0"),
            sleep_quality=6,
            created_by=world.practitioner,
        )
    written = f"2 on {third.date + dt.timedelta(days=1):%-d %b %Y}"
    later = f"1 on {sixth.date + dt.timedelta(days=1):%-d %b %Y}"
    text = _text(_sign(world.episode, "progress_report"))
    assert "Pain in the diary" in text
    assert written in text
    progress = episode_progress(actor=actor(world.practitioner), episode_id=world.episode.public_id)
    chart = content.pain_chart(progress, up_to=5)
    assert chart is not None
    cells = [cell for row in chart.table.rows for cell in row]
    assert written in cells
    assert later not in cells


def test_a_discharge_summary_needs_a_discharge_and_states_the_advice():
    world = reviewed_course()
    with pytest.raises(InputError) as caught:
        _sign(world.episode, "discharge_summary")
    assert "not been discharged" in caught.value.message
    world = discharged_course()
    text = _text(_sign(world.episode, "discharge_summary"))
    assert "Discharge summary" in text
    assert "Reason for discharge: Goals met." in text
    assert "Keep walking every day" in text
    assert "Follow-up questionnaires due:" in text


def test_the_patient_report_is_in_plain_words():
    world = discharged_course()
    text = _text(_sign(world.episode, "patient_report"))
    assert "Your progress report" in text
    assert "You have had 6 sessions." in text
    assert "out of 10" in text
    assert "contact your doctor" in text
    for jargon in ("ICD", "M54.50", "STRICTA", "IMMPACT", "tier"):
        assert jargon not in text


def test_signing_stores_the_pdf_by_its_hash_and_audits_generate_and_sign():
    episode = referred_episode()
    letter = _sign(episode, "referral_letter")
    data = storage.read(letter.sha256)
    assert storage.digest(data) == letter.sha256
    assert len(data) == letter.size_bytes
    assert data.startswith(b"%PDF-")
    assert letter.pdf_variant == "pdf/ua-1"
    events = AuditEvent.objects.filter(object_type="document")
    assert [e.action for e in events.order_by("id")] == ["generate", "sign"]
    signed = events.get(action="sign")
    assert signed.detail["sha256"] == letter.sha256
    assert str(signed.object_id) == str(letter.public_id)


def test_a_new_version_supersedes_and_the_old_one_stays():
    episode = referred_episode()
    first = _sign(episode, "referral_letter")
    second = _sign(episode, "referral_letter", expected_version=1)
    assert (first.version, second.version) == (1, 2)
    assert second.supersedes == first
    stored = {d.version: d for d in selectors.documents_of_patient(episode.patient)}
    assert stored[1].superseded_by_id == second.public_id
    assert not stored[1].current
    assert stored[2].current
    assert stored[2].supersedes_id == first.public_id
    assert storage.read(first.sha256)  # the first PDF is still there, unchanged


def test_signing_against_a_stale_count_of_versions_is_refused():
    episode = referred_episode()
    _sign(episode, "referral_letter")
    with pytest.raises(ConflictError):
        _sign(episode, "referral_letter", expected_version=0)
    assert Document.objects.count() == 1


def test_a_signed_document_cannot_be_changed_or_removed():
    letter = _sign(referred_episode(), "referral_letter")
    letter.title = "Something else"
    with pytest.raises(ImmutableDocumentError):
        letter.save()
    with pytest.raises(ImmutableDocumentError):
        letter.delete()
    with pytest.raises(ImmutableDocumentError):
        Document.objects.filter(pk=letter.pk).update(title="Changed")
    with pytest.raises(ImmutableDocumentError):
        Document.objects.filter(pk=letter.pk).delete()
    # Not even raw SQL: the database refuses the change (migration 0002).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE documents_document SET sha256 = %s WHERE id = %s", ["0" * 64, letter.pk]
        )
    assert Document.objects.get(pk=letter.pk).title == "Referral letter"


def test_a_changed_file_is_refused_on_reading():
    letter = _sign(referred_episode(), "referral_letter")
    path = storage.path_for(letter.sha256)
    path.chmod(0o600)
    data = path.read_bytes()
    path.write_bytes(data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:])
    with pytest.raises(storage.StoredFileError):
        storage.read(letter.sha256)
    path.unlink()
    with pytest.raises(storage.StoredFileError):
        storage.read(letter.sha256)


def test_only_practitioners_with_access_sign():
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from tests.factories import make_reception

    episode = referred_episode()
    with pytest.raises(Http404):
        services.document_sign(
            actor=actor(make_practitioner()), episode_id=episode.public_id, kind="referral_letter"
        )
    with pytest.raises(PermissionDenied):
        services.document_sign(
            actor=actor(make_reception()), episode_id=episode.public_id, kind="referral_letter"
        )
    assert not Document.objects.exists()


def test_an_unknown_kind_names_the_allowed_kinds():
    episode = referred_episode()
    with pytest.raises(InputError) as caught:
        _sign(episode, "postcard")
    assert caught.value.field == "kind"
    assert caught.value.allowed is not None
    assert "referral_letter" in caught.value.allowed


def test_the_chart_lists_each_version_with_its_signer_and_marks_the_replaced_one():
    """The chart's section reads only what it shows; it still says which version a
    newer one replaced, who signed each, and files them under their episode."""
    episode = referred_episode()
    other = make_episode(episode.patient)
    first = _sign(episode, "referral_letter")
    second = _sign(episode, "referral_letter", expected_version=1)
    who = actor(episode.patient.primary_practitioner)
    chart = patient_chart(actor=who, patient_id=episode.patient.public_id)
    section = chart_documents(who, chart)
    assert section[other.public_id] == []
    listed = section[episode.public_id]
    assert [(d.public_id, d.version, d.current) for d in listed] == [
        (second.public_id, 2, True),
        (first.public_id, 1, False),
    ]
    assert {d.signed_by_name for d in listed} == {episode.patient.primary_practitioner.display_name}
