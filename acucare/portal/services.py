"""Writes of the portal: inviting a patient, accepting an invitation (setting the
password), questionnaires and the diary. Each service is atomic, keyword-only, refuses
bad input whole (naming the field) and appends one audit event."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from acucare.accounts import submissions
from acucare.accounts.models import Role, User
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain import diary
from acucare.domain.errors import InputError
from acucare.domain.text import plain_text
from acucare.jobs.framework import enqueue_job
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.outcomes import services as outcomes
from acucare.outcomes.models import Measurement, MeasurementKind
from acucare.outcomes.patient_due import SESSION, DueQuestionnaire
from acucare.patients.access import access_patient
from acucare.patients.models import Episode, Patient
from acucare.portal import tokens
from acucare.portal.emails import send_invitation
from acucare.portal.models import (
    AlertKind,
    DiaryEntry,
    Invitation,
    PortalAccount,
    PortalAlert,
)
from acucare.portal.selectors import (
    alert_for_acknowledgement,
    diary_session,
    invitation_for_token,
    invitation_problem,
    questionnaire_due,
    questionnaire_resent,
)
from acucare.treatment import services as treatment_services
from acucare.treatment.charting import AdverseEventRecord
from acucare.treatment.models import SessionAmendment, TreatmentSession

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


# --- Questionnaires -------------------------------------------------------------------

# PHQ-9 item 9 ("thoughts that you would be better off dead, or of hurting yourself"):
# any answer above 0 needs a clinician's review of suicide risk (Simon 2013; Louzon 2016:
# a 0 is not reassurance either), which the alert asks for.
SELF_HARM_ITEM = ("phq9", "9")


@dataclass(frozen=True)
class QuestionnaireResult:
    measurement: Measurement | None  # None: answers before a session (no timepoint)
    alert: PortalAlert | None


def _complete(due: DueQuestionnaire, scores: Mapping[str, Mapping[str, Any]]) -> None:
    """A patient answers every item of each questionnaire asked (a half-answered one
    would be scored as something it is not)."""
    known = registry().of(Instrument)
    for instrument_id in due.instruments:
        instrument = known.get(instrument_id)
        if instrument is None or instrument_id == "pgic":
            continue
        answers = scores.get(instrument_id) or {}
        for item in instrument.items:
            if str(item.number) not in answers:
                raise InputError(
                    f"scores.{instrument_id}.{item.number}",
                    f"Answer question {item.number} of the {instrument.short_name}.",
                )


@transaction.atomic
def questionnaire_submit(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    kind: str,
    scores: Mapping[str, Mapping[str, Any]],
    pgic: int | None = None,
    submission: uuid.UUID | None = None,
) -> QuestionnaireResult:
    """A patient's answers to a due questionnaire: checked complete and scored (by the
    scorer, through `outcomes.measurement_store`), stored as the timepoint's measurement
    the review engine and charts read; an answer above 0 to PHQ-9 item 9 raises an alert
    a practitioner must acknowledge. All or nothing."""
    if submission is not None:
        # A resend: the first send answered it, so it is no longer due; say it was saved.
        questionnaire_resent(actor=actor, key=str(submission), kind=kind)
    due = questionnaire_due(actor=actor, episode_id=episode_id, kind=kind)
    episode = Episode.objects.select_for_update().select_related("patient").get(pk=due.episode.pk)
    _complete(due, scores)
    if kind == SESSION:
        outcomes.before_session_store(
            actor=actor, episode=episode, due=due, scores=scores, submission=submission
        )
        return QuestionnaireResult(None, None)
    measurement = outcomes.measurement_store(
        actor=actor,
        episode=episode,
        kind=kind,
        scores={k: v for k, v in scores.items() if k in due.instruments},
        pgic=pgic if kind != MeasurementKind.BASELINE else None,
        submission=submission,
    )
    instrument, item = SELF_HARM_ITEM
    answer = int(measurement.scores.get(instrument, {}).get(item, 0))
    alert = None
    if answer > 0:
        alert = PortalAlert.objects.create(
            patient=episode.patient,
            episode=episode,
            kind=AlertKind.SELF_HARM,
            detail={"instrument": instrument, "item": int(item), "answer": answer},
            source_id=measurement.public_id,
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="portal_alert",
            object_id=alert.public_id,
            patient_id=episode.patient.public_id,
            detail={"kind": alert.kind, "measurement": str(measurement.public_id)},
        )
    return QuestionnaireResult(measurement, alert)


@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert_id: uuid.UUID | str, note: str) -> PortalAlert:
    """A practitioner acknowledges a patient's alert, saying what they did."""
    found = alert_for_acknowledgement(actor=actor, alert_id=alert_id)
    alert = PortalAlert.objects.select_for_update().get(pk=found.pk)
    note = plain_text(note, "note", max_length=2000, multiline=True)
    if not note:
        raise InputError("note", "Say what you did about it (for example, called the patient).")
    if alert.acknowledged_at is not None:
        raise InputError("alert", "This alert was already acknowledged.")
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor.user
    alert.acknowledgement = note
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
    audit_record(
        actor=actor,
        action="acknowledge",
        object_type="portal_alert",
        object_id=alert.public_id,
        patient_id=found.patient.public_id,
        detail={"kind": alert.kind},
    )
    return alert


# --- The diary ------------------------------------------------------------------------


@dataclass(frozen=True)
class DiaryResult:
    entry: DiaryEntry
    alert: PortalAlert | None


def _event_record(event: diary.ClassifiedEvent) -> AdverseEventRecord:
    """The classified after-effect as the treatment app's adverse-event record (its
    schema checks each axis again)."""
    return AdverseEventRecord.model_validate(
        {
            "seriousness": event.seriousness,
            "mechanism": event.mechanism,
            "type_code": event.type_code,
            "description": event.description,
            "needed_treatment": event.needed_treatment,
            "duration_days": event.duration_days,
            "avoidable": event.avoidable,
            "modality": event.modality,
            "reporter": event.reporter,
        }
    )


DAY_WRITTEN = "Your diary for this day is already written."


def _day_written(session_pk: int, day: dt.date) -> bool:
    return DiaryEntry.objects.filter(session_id=session_pk, day=day).exists()


@transaction.atomic
def diary_record(
    *,
    actor: Actor,
    session_id: uuid.UUID | str,
    day: dt.date,
    pain: object,
    sleep_hours: object,
    sleep_quality: object,
    medicines: Sequence[diary.MedicineTaken] = (),
    effects: Sequence[diary.AfterEffect] = (),
    submission: uuid.UUID | None = None,
) -> DiaryResult:
    """One day of the patient's diary after a signed session: checked whole by the
    domain (a bad value names its field and nothing is saved), the day's MME computed,
    after-effects recorded on the session as adverse events (reporter: patient), and a
    serious one raises an alert a practitioner must acknowledge, in the same
    transaction. Once only per form key, and one entry per session and day."""
    found = diary_session(actor=actor, session_id=session_id)
    session = found.session
    checked = diary.diary_day(
        registry(),
        day=day,
        session_day=session.date,
        session_modality=session.modality,
        today=timezone.localdate(),
        pain=pain,
        sleep_hours=sleep_hours,
        sleep_quality=sleep_quality,
        medicines=medicines,
        effects=effects,
    )
    claimed = submissions.claim(actor=actor, key=submission, object_type="diary_entry")
    if _day_written(session.pk, checked.day):
        raise InputError("day", DAY_WRITTEN)
    patient = session.plan.episode.patient
    amendment = None
    if checked.events:
        amendment = treatment_services.session_patient_report(
            actor=actor,
            patient=patient,
            session_id=session.public_id,
            text=f"Diary for {checked.day:%-d %B %Y}.",
            adverse_events=[_event_record(e) for e in checked.events],
        )
    try:
        # A savepoint: another form for the same day (another tab, another key) may
        # commit between the check above and this insert; the unique constraint then
        # refuses it, and the whole day (amendment included) is refused with the field.
        with transaction.atomic():
            entry = _diary_entry_create(actor, patient, session, checked, amendment)
    except IntegrityError:
        if _day_written(session.pk, checked.day):
            raise InputError("day", DAY_WRITTEN) from None
        raise
    alert = _serious_alert(actor, entry, checked.events)
    submissions.created(
        claimed,
        actor=actor,
        object_type="diary_entry",
        object_id=entry.public_id,
        patient_id=patient.public_id,
        detail={
            "session": str(session.public_id),
            "day": checked.day.isoformat(),
            "after_effects": [e.type_code for e in checked.events],
        },
    )
    return DiaryResult(entry, alert)


def _diary_entry_create(
    actor: Actor,
    patient: Patient,
    session: TreatmentSession,
    checked: diary.DiaryDay,
    amendment: SessionAmendment | None,
) -> DiaryEntry:
    return DiaryEntry.objects.create(
        patient=patient,
        session=session,
        day=checked.day,
        pain=checked.pain,
        sleep_hours=Decimal(str(checked.sleep_hours)),
        sleep_quality=checked.sleep_quality,
        medicines=[
            {"medicine": m.medicine, "dose": m.dose, "unit": m.unit, "times": m.times}
            for m in checked.medicines
        ],
        mme_per_day=Decimal(str(checked.mme)) if checked.mme is not None else None,
        after_effects=[
            {"kind": e.kind, "seriousness": e.seriousness, "type_code": e.type_code}
            for e in checked.events
        ],
        amendment=amendment,
        created_by=actor.user,
    )


def _serious_alert(
    actor: Actor, entry: DiaryEntry, events: Sequence[diary.ClassifiedEvent]
) -> PortalAlert | None:
    serious = [e for e in events if e.serious]
    if not serious:
        return None
    episode = entry.session.plan.episode
    alert = PortalAlert.objects.create(
        patient=entry.patient,
        episode=episode,
        kind=AlertKind.SERIOUS_ADVERSE_EVENT,
        detail={
            "session": entry.session.number,
            "day": entry.day.isoformat(),
            "after_effects": [diary.AFTER_EFFECT_KINDS[e.kind].label for e in serious],
        },
        source_id=entry.public_id,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="portal_alert",
        object_id=alert.public_id,
        patient_id=entry.patient.public_id,
        detail={"kind": alert.kind, "diary_entry": str(entry.public_id)},
    )
    return alert
