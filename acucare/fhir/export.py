"""FHIR Bulk Data export: NDJSON files, one per resource type, one resource per line
(`manage.py fhir_export DIR`, or the `fhir_export` background job).

Streamed: patients are read in batches by primary key (`load_records` reads a batch in
a fixed number of queries, the portal's diary days included) and each resource is
written as soon as it is built, so memory stays flat whatever the clinic's size
(bench/fhir.py measures it). Files are written under a `.part` name and renamed when the
export is complete, so a reader never sees half an export and a retried job replaces
rather than appends. A practitioner is written once, however many records name them.
The export is audited as one event.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.fhir.capability import RECORD_TYPES
from acucare.fhir.mapping import record_resources
from acucare.fhir.selectors import load_records
from acucare.patients.models import Patient

BATCH = 200
Progress = Callable[[int, int], None]


@dataclass
class ExportSummary:
    directory: Path
    patients: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def as_document(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "patients": self.patients, "counts": self.counts}


class _Writers:
    """One open `.part` file per resource type, opened when its first line comes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}

    def write(self, resource: dict[str, Any]) -> None:
        kind = str(resource["resourceType"])
        handle = self.files.get(kind)
        if handle is None:
            handle = (self.directory / f"{kind}.ndjson.part").open("w", encoding="utf-8")
            self.files[kind] = handle
            self.counts[kind] = 0
        handle.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
        handle.write("\n")
        self.counts[kind] += 1

    def close(self, *, keep: bool) -> None:
        for kind, handle in self.files.items():
            handle.close()
            part = self.directory / f"{kind}.ndjson.part"
            if keep:
                os.replace(part, self.directory / f"{kind}.ndjson")
            else:
                part.unlink(missing_ok=True)


def _patients(patient_id: uuid.UUID | str | None) -> Any:
    patients = Patient.objects.select_related("primary_practitioner").order_by("pk")
    if patient_id is not None:
        patients = patients.filter(public_id=parse_public_id(patient_id, "patient"))
    return patients


def export_ndjson(
    directory: Path,
    *,
    patient_id: uuid.UUID | str | None = None,
    actor: Actor | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> ExportSummary:
    """Write the clinic's records (or one patient's) as NDJSON files into `directory`.

    Raises `Patient.DoesNotExist` for an unknown `patient_id`. Files of resource types
    a previous export wrote but this one has none of are removed, so the folder always
    holds exactly one export."""
    directory.mkdir(parents=True, exist_ok=True)
    patients = _patients(patient_id)
    total = patients.count()
    if patient_id is not None and total == 0:
        raise Patient.DoesNotExist(f"no patient {patient_id}")
    writers = _Writers(directory)
    summary = ExportSummary(directory)
    try:
        _write_all(patients, writers, summary, total, progress, batch_size)
    except BaseException:
        writers.close(keep=False)
        raise
    writers.close(keep=True)
    for kind in RECORD_TYPES:
        if kind not in writers.counts:
            (directory / f"{kind}.ndjson").unlink(missing_ok=True)
    summary.counts = dict(sorted(writers.counts.items()))
    _manifest(directory, summary)
    _audit(actor, summary, patients.first() if patient_id is not None else None)
    return summary


def _write_all(
    patients: Any,
    writers: _Writers,
    summary: ExportSummary,
    total: int,
    progress: Progress | None,
    batch_size: int,
) -> None:
    """Batch by batch of patients (keyset on the primary key), each resource as it comes;
    a practitioner only the first time a record names them."""
    practitioners: set[str] = set()
    last = 0
    while batch := list(patients.filter(pk__gt=last)[:batch_size]):
        last = batch[-1].pk
        for record in load_records(batch):
            for resource in record_resources(record):
                if resource["resourceType"] == "Practitioner":
                    if resource["id"] in practitioners:
                        continue
                    practitioners.add(resource["id"])
                writers.write(resource)
            summary.patients += 1
        if progress is not None:
            progress(summary.patients, total)


def _manifest(directory: Path, summary: ExportSummary) -> None:
    """A Bulk Data style manifest beside the files (type, file, count)."""
    document = {
        "transactionTime": timezone.now().isoformat(timespec="seconds"),
        "requiresAccessToken": False,
        "output": [
            {"type": kind, "url": f"{kind}.ndjson", "count": count}
            for kind, count in summary.counts.items()
        ],
        "error": [],
    }
    part = directory / "manifest.json.part"
    part.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(part, directory / "manifest.json")


@transaction.atomic
def _audit(actor: Actor | None, summary: ExportSummary, patient: Patient | None) -> None:
    audit_record(
        actor=actor,
        action="export",
        object_type="fhir_export",
        object_id=patient.public_id if patient is not None else None,
        patient_id=patient.public_id if patient is not None else None,
        detail={"patients": summary.patients, "resources": sum(summary.counts.values())},
        username="" if actor is not None else "manage.py fhir_export",
    )
