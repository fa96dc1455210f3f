"""Reads of the clinic record as FHIR. Access is the API's (`acucare.patients.access`):
a patient the actor may not see is 404, clinical content reception or the admin may not
see is 403; each read appends one audit event naming what was read."""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from acucare.accounts.models import User
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.documents.selectors import StoredDocument, documents_of_patients, stored_pdf
from acucare.documents.storage import StoredFileError
from acucare.fhir.mapping import (
    PatientRecord,
    RecordDocument,
    Resource,
    patient_resource,
    record_resources,
)
from acucare.jobs.models import JobRun, RunStatus
from acucare.outcomes.diary_record import diary_record
from acucare.outcomes.models import BeforeSessionAnswer, Measurement
from acucare.patients.access import access_patient
from acucare.patients.models import Episode, EpisodeCondition, Patient
from acucare.treatment.models import AdverseEvent, TreatmentPlan, TreatmentSession

logger = logging.getLogger("acucare.fhir")


def _episodes(patients: QuerySet[Patient] | list[Patient]) -> QuerySet[Episode]:
    return (
        Episode.objects.filter(patient__in=patients)
        .prefetch_related(
            Prefetch("conditions", queryset=EpisodeCondition.objects.order_by("position"))
        )
        .order_by("started_on", "id")
    )


def load_records(patients: list[Patient], *, site: str = "") -> Iterator[PatientRecord]:
    """The rows of each patient's record: nine queries for the whole batch, whatever its
    size (the portal's before-session answers and diary days included), and a tenth for
    the documents' signers when the batch has documents (the export reads patients in
    batches; `$everything` reads a batch of one). `site` prefixes the documents'
    download addresses."""
    by_patient = {p.pk: p for p in patients}
    records = {p.pk: PatientRecord(p, [], [], [], [], [], [], site=site) for p in patients}
    episode_patient: dict[int, int] = {}
    for episode in _episodes(patients):
        # Prime the relation caches rather than assign (no descriptor work per row).
        Episode.patient.field.set_cached_value(episode, by_patient[episode.patient_id])
        episode_patient[episode.pk] = episode.patient_id
        records[episode.patient_id].episodes.append(episode)
    for plan in (
        TreatmentPlan.objects.filter(episode_id__in=episode_patient)
        .select_related("created_by", "approved_by")
        .order_by("created_at", "id")
    ):
        records[episode_patient[plan.episode_id]].plans.append(plan)
    plans = {plan.pk: plan for r in records.values() for plan in r.plans}
    session_patient: dict[int, int] = {}
    for session in (
        TreatmentSession.objects.filter(plan_id__in=plans)
        .select_related("created_by", "signed_by")
        # What the record does not show: the check as charted (rebuilt from the points).
        .defer("check_document", "kb_version")
        .order_by("date", "number", "id")
    ):
        plan = plans[session.plan_id]
        TreatmentSession.plan.field.set_cached_value(session, plan)
        patient_pk = episode_patient[plan.episode_id]
        session_patient[session.pk] = patient_pk
        records[patient_pk].sessions.append(session)
    for event in (
        AdverseEvent.objects.filter(session_id__in=session_patient)
        .select_related("created_by")
        .order_by("id")
    ):
        records[session_patient[event.session_id]].adverse_events.append(event)
    for measurement in (
        Measurement.objects.filter(episode_id__in=episode_patient)
        .select_related("created_by")
        .order_by("date", "session", "created_at", "id")
    ):
        records[episode_patient[measurement.episode_id]].measurements.append(measurement)
    _load_portal(records, episode_patient)
    documents = documents_of_patients(patients)
    signers = _signers(d for found in documents.values() for d in found)
    for patient in patients:
        record = records[patient.pk]
        record.documents = [
            RecordDocument(d, signers[d.signed_by_id], document_sha1(d))
            for d in documents[patient.pk]
        ]
        yield record


def _load_portal(records: dict[int, PatientRecord], episode_patient: dict[int, int]) -> None:
    """What the patients wrote in the portal: two queries, however much they wrote."""
    for answer in (
        BeforeSessionAnswer.objects.filter(episode_id__in=episode_patient)
        .select_related("appointment")
        .order_by("answered_at", "id")
    ):
        records[episode_patient[answer.episode_id]].before_session.append(answer)
    for day in diary_record(list(records)):
        records[day.patient_pk].diary.append(day)


def _signers(documents: Iterable[StoredDocument]) -> dict[uuid.UUID, User]:
    """The users who signed the documents, by public id (no query when there are none)."""
    wanted = {d.signed_by_id for d in documents}
    if not wanted:
        return {}
    return {u.public_id: u for u in User.objects.filter(public_id__in=wanted)}


def document_sha1(document: StoredDocument) -> str | None:
    """The SHA-1 of a stored PDF in base64 (FHIR's Attachment.hash), from bytes checked
    against the SHA-256 recorded at signing; None, and an error logged by document id,
    when the file is missing or changed (the DocumentReference then carries no hash)."""
    try:
        data = stored_pdf(document)
    except StoredFileError as damaged:
        logger.error(
            "document file refused: %s", damaged, extra={"document": str(document.public_id)}
        )
        return None
    return base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode("ascii")


def audit_patient(
    actor: Actor, patient: Patient, *, action: str, kind: str, detail: dict[str, object]
) -> None:
    """One audit event about the patient's record (`kind`: patient, patient_record)."""
    audit_record(
        actor=actor,
        action=action,
        object_type=kind,
        object_id=patient.public_id,
        patient_id=patient.public_id,
        detail=detail,
    )


def _audit(actor: Actor, patient: Patient, read: str, count: int) -> None:
    audit_patient(
        actor, patient, action="read", kind="patient", detail={"fhir": read, "resources": count}
    )


def fhir_patient(*, actor: Actor, patient_id: uuid.UUID | str) -> Resource:
    """`Patient/{id}`: demographics, for everyone who may see the patient's chart."""
    patient = access_patient(actor, patient_id, clinical=False, write=False)
    _audit(actor, patient, "Patient", 1)
    return patient_resource(patient)


def fhir_everything(*, actor: Actor, patient_id: uuid.UUID | str, site: str = "") -> list[Resource]:
    """`Patient/{id}/$everything`: the patient's whole record, its signed documents
    included (DocumentReference, downloads addressed under `site`); practitioners only."""
    patient = access_patient(actor, patient_id, clinical=True, write=False)
    record = next(load_records([patient], site=site))
    resources = list(record_resources(record))
    _audit(actor, patient, "Patient/$everything", len(resources))
    return resources


def fhir_observations(*, actor: Actor, patient_id: uuid.UUID | str) -> list[Resource]:
    """`Observation?patient={id}`: scores, session pain ratings, and what the patient
    reported in the portal (before-session answers, diary days); practitioners only."""
    patient = access_patient(actor, patient_id, clinical=True, write=False)
    record = next(load_records([patient]))
    found = [r for r in record_resources(record) if r["resourceType"] == "Observation"]
    _audit(actor, patient, "Observation?patient", len(found))
    return found


# --------------------------------------------------------------------------- full record


@dataclass(frozen=True)
class RecordExportSection:
    """The chart's "Full record export" section: the button, and recent archives."""

    patient: Patient
    runs: list[JobRun]


def record_export_runs(patient: Patient) -> list[JobRun]:
    """The patient's background archives, newest first (the chart lists five): when each
    was asked for, its state and progress and its download link; not the job's
    parameters, result or error."""
    from acucare.fhir.record_export import RECORD_EXPORT_PREFIX

    return list(
        JobRun.objects.filter(key__startswith=f"{RECORD_EXPORT_PREFIX}{patient.public_id}:")
        .only("public_id", "status", "progress_done", "progress_total", "created_at")
        .order_by("-created_at", "-id")[:5]
    )


def record_export_file(*, actor: Actor, run_id: uuid.UUID | str) -> tuple[str, Path]:
    """A finished background archive, for a practitioner with access to its patient;
    each download is audited."""
    from acucare.fhir.record_export import RECORD_EXPORT_PREFIX, export_folder

    run = JobRun.objects.filter(
        public_id=parse_public_id(run_id, "export"), key__startswith=RECORD_EXPORT_PREFIX
    ).first()
    if run is None:
        raise Http404("No such export.")
    patient = access_patient(actor, str(run.params.get("patient")), clinical=True, write=False)
    name = str((run.result or {}).get("file", ""))
    path = export_folder() / name
    if run.status != RunStatus.SUCCEEDED or not name or not path.is_file():
        raise Http404("The archive is not ready.")
    audit_patient(
        actor,
        patient,
        action="export",
        kind="patient_record",
        detail={"archive": name, "downloaded": True},
    )
    return name, path
