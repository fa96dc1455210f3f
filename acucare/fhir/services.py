"""Writes of the FHIR app: starting a patient's full-record export (audited)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from acucare.core.actor import Actor
from acucare.documents.selectors import documents_of_patient
from acucare.fhir import record_export
from acucare.fhir.selectors import audit_patient
from acucare.jobs.models import JobRun
from acucare.patients.access import access_patient


@transaction.atomic
def record_export_start(*, actor: Actor, patient_id: uuid.UUID | str, base_url: str) -> JobRun:
    """A practitioner with access to the patient exports the full record: queued as the
    `record_export` background job (reading every stored PDF and writing the archive
    takes a while), listed on the chart until downloaded. Audited as an export of the
    patient, with the number of documents it will hold."""
    from acucare.fhir.jobs import enqueue_record_export

    patient = access_patient(actor, patient_id, clinical=True, write=False)
    now = timezone.now()
    name = record_export.archive_name(patient, timezone.localtime(now))
    audit_patient(
        actor,
        patient,
        action="export",
        kind="patient_record",
        detail={"archive": name, "documents": len(documents_of_patient(patient))},
    )
    return enqueue_record_export(
        patient=patient, user=actor.user, base_url=base_url, when=now, name=name
    )
