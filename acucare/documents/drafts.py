"""A document as it would be signed now: its content, built from the record through the
other apps' selectors (each of which checks access and records its read), and the record
it is about. The preview page shows a draft; signing stores the PDF of one."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from acucare.assessments import selectors as assessments
from acucare.assessments.presentation import finding_views
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.documents import content as build
from acucare.documents.content import DocumentContent
from acucare.documents.models import DocumentKind
from acucare.documents.selectors import session_facts
from acucare.domain.errors import InputError
from acucare.outcomes import selectors as outcomes
from acucare.outcomes.progress import Progress
from acucare.patients.access import access_episode
from acucare.patients.models import Episode
from acucare.treatment import selectors as treatment


@dataclass(frozen=True)
class Draft:
    episode: Episode
    kind: str
    content: DocumentContent

    @property
    def subject_type(self) -> str:
        return self.content.subject[0]

    @property
    def subject_id(self) -> uuid.UUID:
        return uuid.UUID(self.content.subject[1])


def _sessions(actor: Actor, progress: Progress) -> list[build.SessionFacts]:
    numbers = {s.public_id: s.number for s in progress.course.sessions}
    charted: list[Any] = []
    for plan in progress.plans:
        charted.extend(treatment.session_list(actor=actor, plan_id=plan.public_id))
    return session_facts(charted, numbers)


def _review(progress: Progress, subject_id: uuid.UUID | str | None) -> Any:
    if not progress.reviews:
        raise InputError(
            "kind",
            "No course review has been signed for this episode yet: review the course "
            "first, then write its progress report.",
        )
    if subject_id in (None, ""):
        return build.subject_of(progress.reviews)
    wanted = parse_public_id(subject_id, "course review")
    for review in progress.reviews:
        if review.public_id == wanted:
            return review
    raise InputError("review", "This episode has no such course review.")


def draft_document(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    kind: str,
    subject_id: uuid.UUID | str | None = None,
    today: dt.date | None = None,
) -> Draft:
    """The document of `kind` for the episode, as it would be signed now. Refused with
    an InputError naming what is missing (no screening finding to refer, no review…)."""
    episode = access_episode(actor, episode_id, write=False)
    if kind not in DocumentKind.values:
        raise InputError("kind", f"'{kind}' is not a kind of document.", list(DocumentKind.values))
    today = today or timezone.localdate()
    if kind == DocumentKind.REFERRAL_LETTER:
        assessment = assessments.current_assessment(actor=actor, episode=episode)
        if assessment is None:
            raise InputError("kind", "No safety screening has been recorded for this episode yet.")
        findings = finding_views(assessment, assessments.referral_outcomes(assessment=assessment))
        written = build.referral_letter(
            episode=episode, assessment=assessment, findings=findings, today=today
        )
    else:
        progress = outcomes.episode_progress(actor=actor, episode_id=episode.public_id)
        sessions = _sessions(actor, progress)
        if kind == DocumentKind.PROGRESS_REPORT:
            written = build.clinical_report(
                kind=kind,
                progress=progress,
                sessions=sessions,
                subject=_review(progress, subject_id),
                today=today,
            )
        elif kind == DocumentKind.DISCHARGE_SUMMARY:
            if progress.discharge is None:
                raise InputError(
                    "kind",
                    "The episode has not been discharged: record the discharge first, "
                    "then write its summary.",
                )
            written = build.clinical_report(
                kind=kind,
                progress=progress,
                sessions=sessions,
                subject=progress.discharge,
                today=today,
            )
        else:
            written = build.patient_report(progress=progress, sessions=sessions, today=today)
    audit_record(
        actor=actor,
        action="generate",
        object_type="document",
        patient_id=episode.patient.public_id,
        detail={"kind": kind, "episode": str(episode.public_id), "subject": written.subject[1]},
    )
    return Draft(episode, kind, written)
