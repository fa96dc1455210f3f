"""Document pages: preview and sign a document, and download a signed one. Views only
translate HTTP: drafts and reads through `drafts` and `selectors`, signing through
`services`, and every one of them checks access first."""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from acucare.accounts.selectors import clinic_settings
from acucare.core.actor import actor_from_request
from acucare.core.roles import require_practitioner
from acucare.documents import selectors, services
from acucare.documents.drafts import Draft, draft_document
from acucare.documents.models import DocumentKind
from acucare.documents.rendering import letterhead
from acucare.documents.storage import StoredFileError
from acucare.domain.errors import ConflictError, InputError
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
            expected = int(request.POST.get("versions", ""))
        except ValueError:
            expected = None
        try:
            document = services.document_sign(
                actor=actor,
                episode_id=episode_id,
                kind=value,
                subject_id=subject,
                expected_version=expected,
            )
        except ConflictError as conflict:
            error, status = conflict.message, 409
        except InputError as refused:
            error, status = refused.message, 422
        else:
            messages.success(
                request, f"{document.title} signed and stored (version {document.version})."
            )
            return redirect("patients:chart", public_id=document.patient.public_id)
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
