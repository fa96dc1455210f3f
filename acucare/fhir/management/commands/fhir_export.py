"""`manage.py fhir_export DIR [--patient UUID] [--enqueue]`: FHIR Bulk Data NDJSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from tqdm import tqdm

from acucare.fhir.export import export_ndjson
from acucare.patients.models import Patient


class Command(BaseCommand):
    help = (
        "Write the clinic's records as FHIR R4 Bulk Data NDJSON into DIR: one file per "
        "resource type (Patient.ndjson, Observation.ndjson, …), one resource per line, and "
        "manifest.json. --patient limits it to one patient; --enqueue runs it as a "
        "background job instead (manage.py jobs shows its progress)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="The folder to write into (created if missing).")
        parser.add_argument("--patient", help="Export only this patient (public UUID).")
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the export as a background job."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"]).resolve()
        patient = options["patient"]
        if options["enqueue"]:
            from acucare.fhir.jobs import enqueue_fhir_export

            run = enqueue_fhir_export(directory=directory, patient_id=patient)
            self.stdout.write(f"FHIR export {run.key}: {run.get_status_display()}")
            return
        bar = tqdm(total=None, unit="patient", desc="FHIR export", file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = export_ndjson(directory, patient_id=patient, progress=progress)
        except (Http404, Patient.DoesNotExist) as exc:
            raise CommandError(f"--patient: no patient {patient}") from exc
        finally:
            bar.close()
        for kind, count in summary.counts.items():
            self.stdout.write(f"{kind}.ndjson  {count}")
        self.stdout.write(
            f"{summary.patients} patients, {sum(summary.counts.values())} resources in {directory}"
        )
