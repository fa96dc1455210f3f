"""Signing a document as a background job (acucare/jobs): rendering a long report takes
seconds of CPU, so the page queues it and shows its progress instead of holding the
request (docs/documents.md, *Preview, sign, store*).

The job signs as the practitioner who pressed the button, with the address and browser
of that request, through the same service as a synchronous signing
(`services.document_sign`). Idempotent: the key is the episode, kind, subject, the
number of versions the page showed and the signer, so a double click queues one run
(two practitioners signing at once get a run each, and the later is refused as a stale
page is); and a run
delivered again after it stored its document (a worker that died before marking it
finished) finds that document instead of signing another version.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from acucare.accounts.models import User
from acucare.core.actor import Actor
from acucare.documents import services
from acucare.documents.models import Document
from acucare.domain.errors import ConflictError, InputError
from acucare.jobs.framework import JobContext, enqueue_job, job
from acucare.jobs.models import JobRun

SIGN_PREFIX = "document-sign:"


@job(max_attempts=3, retry_after_seconds=30)
def sign_document(ctx: JobContext) -> dict[str, Any]:
    """Render, sign and store; the result names the document, or says why it was
    refused (someone signed meanwhile, the record no longer allows it): a refusal is an
    answer, not a failure to retry."""
    params = ctx.params
    user = User.objects.get(public_id=params["user"])
    actor = Actor(
        user=user,
        ip_address=params.get("ip") or None,
        user_agent=str(params.get("agent", "")),
        channel="web",
    )
    expected = int(params["versions"])
    earlier = _signed_by_this_run(params, user, expected)
    if earlier is not None:
        return _done(earlier)
    ctx.progress(1, 2, "Rendering and signing the PDF", force=True)
    try:
        document = services.document_sign(
            actor=actor,
            episode_id=str(params["episode"]),
            kind=str(params["kind"]),
            subject_id=params.get("subject") or None,
            expected_version=expected,
        )
    except (ConflictError, InputError) as refused:
        return {"refused": refused.message}
    return _done(document)


def _done(document: Document) -> dict[str, Any]:
    return {"document": str(document.public_id), "version": document.version}


def _signed_by_this_run(params: Any, user: User, expected: int) -> Document | None:
    """The version this run stored on an earlier delivery, if it did."""
    requested = dt.datetime.fromisoformat(str(params["requested_at"]))
    rows = Document.objects.filter(
        episode__public_id=params["episode"],
        kind=params["kind"],
        version=expected + 1,
        signed_by=user,
        signed_at__gte=requested,
    )
    if params.get("subject"):
        rows = rows.filter(subject_id=params["subject"])
    return rows.first()


def enqueue_signing(
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    kind: str,
    subject_id: uuid.UUID | None,
    versions: int,
) -> JobRun:
    """Queue the signing of the next version (`versions`: how many the page showed)."""
    subject = str(subject_id) if subject_id else ""
    return enqueue_job(
        sign_document,
        key=f"{SIGN_PREFIX}{episode_id}:{kind}:{subject or '-'}:{versions}:{actor.user.public_id}",
        params={
            "user": str(actor.user.public_id),
            "ip": actor.ip_address or "",
            "agent": actor.user_agent[:200],
            "episode": str(episode_id),
            "kind": kind,
            "subject": subject,
            "versions": versions,
            "requested_at": timezone.now().isoformat(),
        },
    )
