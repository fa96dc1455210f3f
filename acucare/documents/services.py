"""Signing a document: the practitioner signs the draft they previewed, and the PDF is
rendered with their signature, stored under its SHA-256 and recorded as the next version
of its series (docs/documents.md). Atomic, keyword-only, one `sign` audit event."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_practitioner
from acucare.documents import storage
from acucare.documents.drafts import draft_document
from acucare.documents.models import Document
from acucare.documents.rendering import PDF_VARIANT, signed_pdf
from acucare.domain.errors import ConflictError
from acucare.patients.models import Episode


@transaction.atomic
def document_sign(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    kind: str,
    subject_id: uuid.UUID | str | None = None,
    expected_version: int | None = None,
) -> Document:
    """Sign and store the document of `kind` for the episode, as the next version of its
    series; the previous version stays, superseded. `expected_version` is the number
    of versions the signer saw (0 for none): a different count means someone else
    signed meanwhile, refused with ConflictError."""
    require_practitioner(actor)
    draft = draft_document(actor=actor, episode_id=episode_id, kind=kind, subject_id=subject_id)
    # One signer at a time per episode: the version count is read under the lock.
    episode = Episode.objects.select_for_update().get(pk=draft.episode.pk)
    previous = (
        Document.objects.filter(episode=episode, kind=kind, subject_id=draft.subject_id)
        .order_by("-version")
        .first()
    )
    count = previous.version if previous is not None else 0
    if expected_version is not None and expected_version != count:
        raise ConflictError(
            "Someone else signed a version of this document after you opened it. Reload "
            "to see it before signing another.",
            count,
        )
    signed_at = timezone.now()
    pdf = signed_pdf(draft.content, signer=actor.user, signed_at=signed_at)
    sha256 = storage.store(pdf)
    addressee = draft.content.addressee
    try:
        with transaction.atomic():
            document = Document.objects.create(
                patient=episode.patient,
                episode=episode,
                kind=kind,
                subject_type=draft.subject_type,
                subject_id=draft.subject_id,
                version=count + 1,
                supersedes=previous,
                title=draft.content.title,
                addressee=addressee.name if addressee is not None else "",
                sha256=sha256,
                size_bytes=len(pdf),
                pdf_variant=PDF_VARIANT,
                kb_version=draft.content.kb_version,
                signed_at=signed_at,
                signed_by=actor.user,
            )
    except IntegrityError as exc:
        raise ConflictError(
            "Someone else signed a version of this document at the same moment. Reload to see it.",
            count + 1,
        ) from exc
    audit_record(
        actor=actor,
        action="sign",
        object_type="document",
        object_id=document.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "kind": kind,
            "version": document.version,
            "sha256": sha256,
            "supersedes": str(previous.public_id) if previous is not None else None,
        },
    )
    return document


__all__ = ["document_sign"]
