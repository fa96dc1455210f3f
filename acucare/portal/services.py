"""Writes of the portal: inviting a patient, and accepting an invitation (setting the
password). Each service is atomic, keyword-only, refuses bad input whole (naming the
field) and appends one audit event."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from acucare.accounts.models import Role, User
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain.errors import InputError
from acucare.jobs.framework import enqueue_job
from acucare.patients.access import access_patient
from acucare.patients.models import Patient
from acucare.portal import tokens
from acucare.portal.emails import send_invitation
from acucare.portal.models import Invitation, PortalAccount
from acucare.portal.selectors import invitation_for_token, invitation_problem

# How long an invitation link stays usable.
INVITATION_DAYS = 7


def _sign_in_name(patient: Patient) -> str:
    email = patient.email.strip().lower()
    if not email:
        raise InputError(
            "email",
            "Record the patient's e-mail address first: the invitation is sent there and "
            "it is the name they sign in with.",
        )
    taken = get_user_model().objects.filter(username__iexact=email)
    account = PortalAccount.objects.filter(patient=patient).first()
    if account is not None:
        taken = taken.exclude(pk=account.user_id)
    if taken.exists():
        raise InputError(
            "email",
            "Another account already signs in with this e-mail address; record the "
            "patient's own address.",
        )
    return email


@transaction.atomic
def invitation_create(
    *, actor: Actor, patient_id: uuid.UUID | str, link_base: str
) -> tuple[Invitation, str]:
    """Invite a patient to the portal (or to set a new password, when they have an
    account). Earlier open invitations are withdrawn. Returns the invitation and its
    token, for the link and QR code shown once to the member of staff; the e-mail is sent
    by a background job once this commits. `link_base` is the site's address
    (`https://clinic.example`), which the e-mail's link starts with."""
    patient = access_patient(actor, patient_id, clinical=False, write=True)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    email = _sign_in_name(patient)
    now = timezone.now()
    withdrawn = Invitation.objects.filter(
        patient=patient, used_at=None, withdrawn_at=None, expires_at__gt=now
    ).update(withdrawn_at=now)
    public_id = uuid.uuid4()
    token = tokens.invitation_token(public_id)
    invitation = Invitation.objects.create(
        public_id=public_id,
        patient=patient,
        email=email,
        digest=tokens.digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        created_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="portal_invitation",
        object_id=invitation.public_id,
        patient_id=patient.public_id,
        detail={"withdrawn": withdrawn, "expires_at": invitation.expires_at.isoformat()},
    )
    transaction.on_commit(
        lambda: enqueue_job(
            send_invitation,
            key=f"portal-invitation:{invitation.public_id}",
            params={"invitation": str(invitation.public_id), "link_base": link_base},
        )
    )
    return invitation, token


def _checked_password(user: User, password: str, repeat: str) -> None:
    if password != repeat:
        raise InputError("repeat_password", "The two passwords are not the same.")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InputError("password", " ".join(exc.messages)) from exc


@transaction.atomic
def invitation_accept(
    *, token: str, password: str, repeat: str, ip_address: str | None, user_agent: str = ""
) -> User:
    """Use an invitation: open the patient's portal account with this password, or set
    a new password on the account they have. The invitation is used up; an expired,
    used or withdrawn one is refused and nothing changes."""
    found = invitation_for_token(token)
    invitation = (
        Invitation.objects.select_for_update().select_related("patient").get(pk=found.pk)
        if found is not None
        else None
    )
    problem = invitation_problem(invitation)
    if problem or invitation is None:
        raise InputError("invitation", problem)
    patient = invitation.patient
    account = PortalAccount.objects.select_related("user").filter(patient=patient).first()
    created = account is None
    user: User = (
        account.user
        if account is not None
        else get_user_model()(
            username=invitation.email,
            email=invitation.email,
            first_name=patient.given_name,
            last_name=patient.family_name,
            role=Role.PATIENT,
        )
    )
    _checked_password(user, password, repeat)
    if created and get_user_model().objects.filter(username__iexact=invitation.email).exists():
        raise InputError(
            "invitation",
            "This invitation cannot be used. Ask the clinic to send you a new one.",
        )
    user.set_password(password)
    user.is_active = True
    user.updated_at = timezone.now()
    user.save()
    if created:
        PortalAccount.objects.create(user=user, patient=patient)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit_record(
        actor=Actor(user=user, ip_address=ip_address, user_agent=user_agent[:300]),
        action="create" if created else "update",
        object_type="portal_account",
        object_id=user.public_id,
        patient_id=patient.public_id,
        detail={"invitation": str(invitation.public_id), "change": "password"},
    )
    return user
