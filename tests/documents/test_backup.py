"""Signed documents travel with `manage.py backup` and `restore`: the row, the PDF under
the document store, and the hash that checks it, all come back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from acucare.documents import selectors, services, storage
from acucare.documents.models import Document
from tests.documents.factories import referred_episode
from tests.factories import actor
from tests.operations.test_backup import schema_back_afterwards, wipe_database

__all__ = ["schema_back_afterwards"]

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_signed_document_is_backed_up_and_restored_with_its_file(
    tmp_path: Path, document_store: Path
) -> None:
    episode = referred_episode()
    letter = services.document_sign(
        actor=actor(episode.patient.primary_practitioner),
        episode_id=episode.public_id,
        kind="referral_letter",
    )
    pdf = storage.read(letter.sha256)
    archive = tmp_path / "clinic.backup"
    call_command("backup", str(archive), stdout=io.StringIO())

    wipe_database()
    storage.path_for(letter.sha256).unlink()
    with pytest.raises(storage.StoredFileError):
        storage.read(letter.sha256)

    call_command("restore", str(archive), stdout=io.StringIO())
    restored = Document.objects.get(public_id=letter.public_id)
    assert restored.sha256 == letter.sha256
    (stored,) = selectors.documents_of_patient(restored.patient)
    assert selectors.stored_pdf(stored) == pdf
