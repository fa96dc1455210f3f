"""Once-only create forms. The form carries a random key; the creating service claims
it first thing in its transaction. A second request with the same key (double click,
browser resend) raises `DuplicateSubmission` naming what the first one created; two
requests racing each other are serialised by the key's unique index."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from acucare.accounts.models import Submission
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.once import DuplicateSubmission
from acucare.domain.errors import ConflictError


def claim(*, actor: Actor, key: uuid.UUID | None, object_type: str) -> Submission | None:
    """Call inside the creating service's transaction, before creating anything."""
    if key is None:
        return None
    # Look first: a resend that arrives after the first request committed (the usual
    # double click, since each write transaction takes the write lock) is found here.
    refuse_if_claimed(actor=actor, key=key, object_type=object_type)
    try:
        with transaction.atomic():
            return Submission.objects.create(key=key, user=actor.user, object_type=object_type)
    except IntegrityError:
        if transaction.get_connection().needs_rollback:
            # The database could not keep this transaction usable after the clash, so
            # what the racing request created cannot be read here: refuse, never 500.
            raise ConflictError(
                "This form was sent twice at the same moment and has been saved once; "
                "reload the page to see it."
            ) from None
        refuse_if_claimed(actor=actor, key=key, object_type=object_type)
        raise


def refuse_if_claimed(*, actor: Actor, key: uuid.UUID, object_type: str) -> None:
    """A resend of a form that was saved raises `DuplicateSubmission` (for a service that
    must know before it reads what the form was for: the first send may have changed it)."""
    first = Submission.objects.filter(key=key).first()
    if first is None:
        return
    if (
        first.user_id != actor.user.pk
        or first.object_type != object_type
        or first.object_id is None
    ):
        # Another user's key, or a different kind of form: not a resend of this one.
        raise ConflictError("This form key has already been used; reload the form.")
    raise DuplicateSubmission(object_type, first.object_id)


def complete(submission: Submission | None, object_id: uuid.UUID) -> None:
    if submission is not None:
        submission.object_id = object_id
        submission.save(update_fields=["object_id"])


def created(
    claimed: Submission | None,
    *,
    actor: Actor,
    object_type: str,
    object_id: uuid.UUID,
    patient_id: uuid.UUID | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The end of every once-only create, in its transaction: the form key now names what
    was created (a resend finds it), and the create is audited."""
    complete(claimed, object_id)
    audit_record(
        actor=actor,
        action="create",
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        detail=detail,
    )


# Without an Idempotency-Key, identical creates by one user within this many seconds are
# taken as one request sent twice (issue 14: 8 racing API posts made 8 patients).
IMPLICIT_WINDOW_SECONDS = 10
_IMPLICIT = uuid.UUID("6d1f3c1e-9a55-4a8e-8d2b-1f0c3e7a5b40")


def request_key(request: HttpRequest, given: uuid.UUID | None) -> uuid.UUID:
    """The once-only key of an API create: the client's Idempotency-Key, or one derived
    from the user, the address (with its query), the body and a 10-second window."""
    if given is not None:
        return given
    digest = hashlib.sha256(request.body).hexdigest()
    window = int(time.time() // IMPLICIT_WINDOW_SECONDS)
    user = getattr(request.user, "pk", "")
    return uuid.uuid5(_IMPLICIT, f"{user}|{request.get_full_path()}|{digest}|{window}")
