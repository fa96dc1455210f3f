"""Reads of signed documents, and of the records a new document is written from.

The stable interface for other apps (the FHIR DocumentReference and the full-record
export read documents only through these; docs/documents.md):

* `patient_documents(actor=, patient_id=)` → every stored document of a patient the
  actor may see, newest first, as `StoredDocument` (audited `list`);
* `document_detail(actor=, document_id=)` → one `StoredDocument` (audited `read`);
* `document_pdf(actor=, document_id=)` → `(StoredDocument, bytes)`, the bytes checked
  against the SHA-256 recorded at signing (audited `download`);
* `documents_of_patient(patient)`, `documents_of_patients(patients)` (a batch, one query)
  and `stored_pdf(document)` → the same without an audit event, for a caller that has
  already checked access to the patient and records its own read (the chart section, an
  export that audits the export).

A document is clinical content: practitioners with access to the patient only (others
404, reception and the admin 403), as for episodes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.core.roles import require_patient_staff
from acucare.documents import storage
from acucare.documents.content import EventFacts, SessionFacts
from acucare.documents.models import Document, DocumentKind
from acucare.jobs.models import JobRun, RunStatus
from acucare.patients.access import access_patient, require_visible
from acucare.patients.models import Episode, Patient
from acucare.patients.selectors import episode_detail


@dataclass(frozen=True)
class StoredDocument:
    """What other apps see of a signed document (stable; add fields, never rename)."""

    public_id: uuid.UUID
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    kind: str  # referral_letter, progress_report, discharge_summary, patient_report
    kind_label: str  # the kind in words
    title: str
    version: int
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None  # None: this is the current version
    sha256: str
    size_bytes: int
    content_type: str
    pdf_variant: str
    signed_at: dt.datetime
    signed_by_id: uuid.UUID
    signed_by_name: str
    addressee: str
    subject_type: str
    subject_id: uuid.UUID
    file_name: str

    @property
    def current(self) -> bool:
        return self.superseded_by_id is None


def _rows() -> QuerySet[Document]:
    return Document.objects.select_related(
        "patient", "episode", "signed_by", "supersedes", "superseded_by"
    )


def _stored(row: Document) -> StoredDocument:
    try:
        later: Document | None = row.superseded_by
    except Document.DoesNotExist:
        later = None
    return StoredDocument(
        public_id=row.public_id,
        patient_id=row.patient.public_id,
        episode_id=row.episode.public_id,
        kind=row.kind,
        kind_label=row.get_kind_display(),
        title=row.title,
        version=row.version,
        supersedes_id=row.supersedes.public_id if row.supersedes else None,
        superseded_by_id=later.public_id if later is not None else None,
        sha256=row.sha256,
        size_bytes=row.size_bytes,
        content_type=row.content_type,
        pdf_variant=row.pdf_variant,
        signed_at=row.signed_at,
        signed_by_id=row.signed_by.public_id,
        signed_by_name=row.signed_by.display_name,
        addressee=row.addressee,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        file_name=row.file_name,
    )


def documents_of_patient(patient: Patient) -> list[StoredDocument]:
    """Every document of a patient whose access the caller has checked (no audit)."""
    return [_stored(row) for row in _rows().filter(patient=patient)]


def documents_of_patients(patients: Sequence[Patient]) -> dict[int, list[StoredDocument]]:
    """Every document of each patient (by the patient's primary key), newest first, in
    one query whatever the number of patients; for a caller that has checked access and
    audits itself (the FHIR export reads patients in batches)."""
    found: dict[int, list[StoredDocument]] = {p.pk: [] for p in patients}
    for row in _rows().filter(patient__in=[p.pk for p in patients]):
        found[row.patient_id].append(_stored(row))
    return found


def patient_documents(*, actor: Actor, patient_id: uuid.UUID | str) -> list[StoredDocument]:
    patient = access_patient(actor, patient_id, clinical=True, write=False)
    found = documents_of_patient(patient)
    audit_record(
        actor=actor,
        action="list",
        object_type="document",
        patient_id=patient.public_id,
        detail={"documents": [str(d.public_id) for d in found]},
    )
    return found


def access_document(actor: Actor, document_id: uuid.UUID | str) -> Document:
    require_patient_staff(actor)
    if not actor.is_practitioner:
        raise PermissionDenied("Clinical content is for practitioners only.")
    try:
        document = _rows().get(public_id=parse_public_id(document_id, "document"))
    except Document.DoesNotExist as exc:
        raise Http404("No such document.") from exc
    require_visible(actor, document.patient, "document")
    return document


def document_detail(*, actor: Actor, document_id: uuid.UUID | str) -> StoredDocument:
    row = access_document(actor, document_id)
    audit_record(
        actor=actor,
        action="read",
        object_type="document",
        object_id=row.public_id,
        patient_id=row.patient.public_id,
    )
    return _stored(row)


def stored_pdf(document: StoredDocument) -> bytes:
    """The document's bytes, checked against its hash (raises storage.StoredFileError)."""
    return storage.read(document.sha256)


def document_pdf(*, actor: Actor, document_id: uuid.UUID | str) -> tuple[StoredDocument, bytes]:
    row = access_document(actor, document_id)
    stored = _stored(row)
    data = stored_pdf(stored)
    audit_record(
        actor=actor,
        action="download",
        object_type="document",
        object_id=row.public_id,
        patient_id=row.patient.public_id,
        detail={"sha256": row.sha256, "kind": row.kind, "version": row.version},
    )
    return stored, data


def series_versions(*, episode_pk: int, kind: str, subject_id: uuid.UUID) -> list[StoredDocument]:
    """The stored versions of one document, newest first (access already checked)."""
    rows = _rows().filter(episode_id=episode_pk, kind=kind, subject_id=subject_id)
    return [_stored(r) for r in rows.order_by("-version")]


KIND_SLUGS = {kind.value.replace("_", "-"): kind.value for kind in DocumentKind}


def kind_from_slug(slug: str) -> str:
    """A URL's document kind (`referral-letter`) as the stored value, or 404."""
    try:
        return KIND_SLUGS[slug]
    except KeyError as exc:
        raise Http404("No such kind of document.") from exc


def session_facts(sessions: Sequence[Any], numbers: dict[str, int]) -> list[SessionFacts]:
    """Charted sessions as the reports state them, numbered across the episode
    (`numbers`: session public id → its number in the course)."""
    facts = []
    for s in sessions:
        if str(s.public_id) not in numbers:
            continue
        events = [*s.adverse_events.all()]
        for amendment in s.amendments.all():
            events.extend(amendment.adverse_events.all())
        unique = {e.pk: e for e in events}.values()
        facts.append(
            SessionFacts(
                number=numbers[str(s.public_id)],
                date=s.date,
                points=list(s.points),
                needle=dict(s.needle),
                electro_pairs=list(s.electro_pairs or []),
                retention_minutes=s.retention_minutes,
                needles_in=s.needles_in,
                pain_before=s.pain_before,
                pain_after=s.pain_after,
                signed=s.status == "signed",
                adverse_events=tuple(
                    EventFacts(
                        e.type_code,
                        e.get_seriousness_display(),
                        e.duration_days,
                        e.needed_treatment,
                    )
                    for e in unique
                ),
            )
        )
    return sorted(facts, key=lambda f: f.number)


@dataclass(frozen=True)
class Signing:
    """A queued signing, as its page shows it: the run (status, progress), the episode,
    and when it is done the stored document, or why it was refused."""

    run: JobRun
    episode: Episode
    kind_label: str
    document: StoredDocument | None
    refused: str

    @property
    def pending(self) -> bool:
        return self.run.status in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RETRYING)


def signing_status(*, actor: Actor, run_id: uuid.UUID | str) -> Signing:
    """A signing queued from a document page, for a practitioner with access to its
    episode (others 404, reception and the admin 403); the read of the episode is
    audited as the episode's."""
    from acucare.documents.jobs import SIGN_PREFIX

    run = JobRun.objects.filter(
        public_id=parse_public_id(run_id, "signing"), key__startswith=SIGN_PREFIX
    ).first()
    if run is None:
        raise Http404("No such signing.")
    episode = episode_detail(actor=actor, episode_id=str(run.params.get("episode")))
    result = run.result or {}
    document = None
    if result.get("document"):
        row = _rows().filter(public_id=result["document"], episode=episode).first()
        document = _stored(row) if row is not None else None
    return Signing(
        run=run,
        episode=episode,
        kind_label=DocumentKind(str(run.params.get("kind"))).label,
        document=document,
        refused=str(result.get("refused", "")),
    )
