"""Writes of the FHIR app: starting a patient's full-record export (audited)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from acucare.core.actor import Actor
from acucare.fhir import record_export
from acucare.fhir.selectors import audit_patient, load_records
from acucare.jobs.models import JobRun
from acucare.patients.access import access_patient


@dataclass(frozen=True)
class RecordExport:
    """Either the archive itself (a small record) or the job making it (a large one)."""

    name: str
    content: bytes | None
    run: JobRun | None


@transaction.atomic
def record_export_start(
    *, actor: Actor, patient_id: uuid.UUID | str, base_url: str
) -> RecordExport:
    """A practitioner with access to the patient exports the full record: at once when
    it is small, else as a background job. Audited as an export of the patient."""
    from acucare.fhir.jobs import enqueue_record_export

    patient = access_patient(actor, patient_id, clinical=True, write=False)
    record = next(load_records([patient], site=record_export.site_of(base_url)))
    now = timezone.now()
    name = record_export.archive_name(patient, timezone.localtime(now))
    large = record_export.record_size(record) > record_export.INLINE_LIMIT
    audit_patient(
        actor,
        patient,
        action="export",
        kind="patient_record",
        detail={"archive": name, "background": large, "documents": len(record.documents)},
    )
    if large:
        run = enqueue_record_export(
            patient=patient, user=actor.user, base_url=base_url, when=now, name=name
        )
        return RecordExport(name, None, run)
    content = record_export.build_archive(record, base=base_url, made_by=actor.user.display_name)
    return RecordExport(name, content, None)
