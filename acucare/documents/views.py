"""Document pages: preview and sign a document, and download a signed one. Views only
translate HTTP: drafts and reads through `drafts` and `selectors`, signing through
`services`, and every one of them checks access first."""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from acucare.accounts.selectors import clinic_settings
from acucare.core.actor import Actor, actor_from_request
from acucare.core.roles import require_practitioner
from acucare.documents import selectors
from acucare.documents.drafts import Draft, draft_document
from acucare.documents.jobs import enqueue_signing
from acucare.documents.models import DocumentKind
from acucare.documents.rendering import letterhead
from acucare.documents.storage import StoredFileError
from acucare.domain.errors import ConflictError, InputError
from acucare.jobs.models import JobRun
from acucare.patients.selectors import episode_detail

logger = logging.getLogger("acucare.documents")


@login_required
@require_http_methods(["GET", "POST"])
def prepare(request: HttpRequest, episode_id: uuid.UUID, kind: str) -> HttpResponse:
    """GET: the document as it would be signed now, with its stored versions.
    POST: sign it and store the PDF as the next version."""
    actor = actor_from_request(request)
    require_practitioner(actor)
    value = selectors.kind_from_slug(kind)
    subject = request.POST.get("subject") or request.GET.get("review") or None
    status = 200
    error = ""
    if request.method == "POST":
        try:
            run = _queue_signing(request, actor, episode_id, value, subject)
        except ConflictError as conflict:
            error, status = conflict.message, 409
        except InputError as refused:
            error, status = refused.message, 422
        else:
            return redirect("documents:signing", run_id=run.public_id)
    draft: Draft | None = None
    try:
        draft = draft_document(actor=actor, episode_id=episode_id, kind=value, subject_id=subject)
    except InputError as refused:
        episode = episode_detail(actor=actor, episode_id=episode_id)
        error = error or refused.message
        status = status if status != 200 else 200
        versions: list[selectors.StoredDocument] = []
    else:
        episode = draft.episode
        versions = selectors.series_versions(
            episode_pk=episode.pk, kind=value, subject_id=draft.subject_id
        )
    return render(
        request,
        "documents/prepare.html",
        {
            "episode": episode,
            "kind_label": DocumentKind(value).label,
            "draft": draft,
            "doc": draft.content if draft else None,
            "head": letterhead(clinic_settings().name),
            "signature": None,
            "versions": versions,
            "error": error,
            "subject": subject or "",
        },
        status=status,
    )


def _queue_signing(
    request: HttpRequest, actor: Actor, episode_id: uuid.UUID, kind: str, subject: str | None
) -> JobRun:
    """Check at once what can be checked without rendering (the record allows the
    document; nobody signed since the page was opened), then queue the signing."""
    draft = draft_document(actor=actor, episode_id=episode_id, kind=kind, subject_id=subject)
    versions = selectors.series_versions(
        episode_pk=draft.episode.pk, kind=kind, subject_id=draft.subject_id
    )
    count = versions[0].version if versions else 0
    try:
        expected = int(request.POST.get("versions", ""))
    except ValueError:
        expected = count
    if expected != count:
        raise ConflictError(
            "Someone else signed a version of this document after you opened it. Reload "
            "to see it before signing another.",
            count,
        )
    return enqueue_signing(
        actor=actor,
        episode_id=draft.episode.public_id,
        kind=kind,
        subject_id=draft.subject_id,
        versions=count,
    )


@login_required
@require_GET
def signing(request: HttpRequest, run_id: str) -> HttpResponse:
    """A queued signing: its progress while it runs (the page refreshes itself with
    htmx, or by the reader's refresh without JavaScript), then the stored document."""
    actor = actor_from_request(request)
    require_practitioner(actor)
    status = selectors.signing_status(actor=actor, run_id=run_id)
    kind = str(status.run.params.get("kind"))
    again = reverse("documents:prepare", args=[status.episode.public_id, kind.replace("_", "-")])
    subject = status.run.params.get("subject")
    if kind == DocumentKind.PROGRESS_REPORT and subject:
        again += f"?review={subject}"
    return render(request, "documents/signing.html", {"signing": status, "again": again})


@login_required
@require_GET
def download(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The signed PDF, after checking it still matches the hash recorded at signing."""
    actor = actor_from_request(request)
    try:
        stored, data = selectors.document_pdf(actor=actor, document_id=document_id)
    except StoredFileError as damaged:
        logger.error("document file refused: %s", damaged, extra={"document": str(document_id)})
        return render(request, "documents/damaged.html", {"reason": str(damaged)}, status=500)
    response = HttpResponse(data, content_type=stored.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stored.file_name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = stored.sha256
    return response
