"""The invitation e-mail, sent by a background job (`acucare.jobs`).

The job's parameters are the invitation's public id and the site's address; the link's
token is rebuilt from the invitation with the server's key, so it is never stored. The
e-mail names no condition or treatment: only that the clinic invites the patient to its
portal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from acucare.jobs.framework import JobContext, job
from acucare.portal import tokens
from acucare.portal.models import Invitation


def invitation_link(link_base: str, token: str) -> str:
    return link_base.rstrip("/") + reverse("portal:invitation", kwargs={"token": token})


@job(max_attempts=5, retry_after_seconds=60)
def send_invitation(ctx: JobContext) -> dict[str, Any]:
    invitation = (
        Invitation.objects.select_related("patient")
        .filter(public_id=ctx.params["invitation"])
        .first()
    )
    if invitation is None or not invitation.is_open():
        # Used, withdrawn or expired before the job ran: nothing worth sending.
        return {"sent": False}
    link = invitation_link(
        str(ctx.params["link_base"]), tokens.invitation_token(invitation.public_id)
    )
    days = max(1, (invitation.expires_at - invitation.created_at).days)
    send_mail(
        subject="Your invitation to the clinic's patient portal",
        message=(
            f"Hello {invitation.patient.given_name},\n\n"
            "Your clinic invites you to its patient portal, where you can fill in your "
            "questionnaires, keep a diary between sessions and see your plan and progress.\n\n"
            f"Open this link to choose your password (it works once, for {days} days):\n"
            f"{link}\n\n"
            f"You will sign in with this e-mail address ({invitation.email}).\n"
            "If you did not expect this e-mail, ignore it; nothing happens until the link "
            "is used.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
    return {"sent": True}
