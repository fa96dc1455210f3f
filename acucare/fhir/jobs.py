"""The FHIR export as a background job, with progress (acucare/jobs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

from django.utils import timezone

from acucare.accounts.models import User
from acucare.core.actor import system_actor
from acucare.fhir.export import export_ndjson
from acucare.fhir.record_export import (
    RECORD_EXPORT_PREFIX,
    build_archive,
    export_folder,
    site_of,
)
from acucare.fhir.selectors import load_records
from acucare.jobs.framework import JobContext, enqueue_job, job
from acucare.jobs.models import JobRun
from acucare.patients.access import access_patient
from acucare.patients.models import Patient


@job(max_attempts=2, retry_after_seconds=60)
def fhir_export(ctx: JobContext) -> dict[str, Any]:
    """Idempotent: the files are written under `.part` names and renamed at the end, so
    a second run replaces the first run's files."""
    summary = export_ndjson(
        Path(str(ctx.params["directory"])),
        patient_id=ctx.params.get("patient"),
        progress=lambda done, total: ctx.progress(done, total, "Writing the FHIR export"),
    )
    return summary.as_document()


def enqueue_fhir_export(*, directory: Path, patient_id: uuid.UUID | str | None = None) -> JobRun:
    """Queue an export into `directory`; asking again for the same folder and patient
    within the same minute returns that run rather than queueing a second."""
    target = f"{directory}|{patient_id or 'all'}"
    digest = hashlib.sha256(target.encode()).hexdigest()[:32]
    key = f"fhir-export:{digest}:{timezone.now():%Y%m%d%H%M}"
    params: dict[str, Any] = {"directory": str(directory)}
    if patient_id is not None:
        params["patient"] = str(patient_id)
    return enqueue_job(fhir_export, key=key, params=params)


@job(max_attempts=2, retry_after_seconds=60)
def record_export(ctx: JobContext) -> dict[str, Any]:
    """Build a record's archive into the documents folder. The practitioner's access is
    checked again when the job runs (a share may have ended meanwhile). Idempotent: the
    archive is written under a `.part` name and renamed, so a second run replaces it."""
    user = User.objects.get(public_id=ctx.params["user"])
    actor = system_actor(user)
    patient = access_patient(actor, str(ctx.params["patient"]), clinical=True, write=False)
    ctx.progress(0, 3, "Reading the record and checking the documents", force=True)
    record = next(load_records([patient], site=site_of(str(ctx.params["base"]))))
    ctx.progress(1, 3, "Writing the archive", force=True)
    content = build_archive(record, base=str(ctx.params["base"]), made_by=user.display_name)
    folder = export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = str(ctx.params["name"])
    part = folder / f"{name}.part"
    ctx.progress(2, 3, "Saving the archive", force=True)
    part.write_bytes(content)
    os.replace(part, folder / name)
    return {"file": name, "bytes": len(content)}


def enqueue_record_export(
    *, patient: Patient, user: User, base_url: str, when: dt.datetime, name: str
) -> JobRun:
    """One archive per patient per minute: a double click does not make two."""
    return enqueue_job(
        record_export,
        key=f"{RECORD_EXPORT_PREFIX}{patient.public_id}:{when:%Y%m%d%H%M}",
        params={
            "patient": str(patient.public_id),
            "user": str(user.public_id),
            "base": base_url,
            "name": name,
        },
    )
