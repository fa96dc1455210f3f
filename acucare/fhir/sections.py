"""The chart section this app plugs into the patient chart (acucare.patients.chart_sections)."""

from __future__ import annotations

from acucare.core.actor import Actor
from acucare.fhir.selectors import RecordExportSection, record_export_runs
from acucare.patients.selectors import PatientChart


def chart_record_export(actor: Actor, chart: PatientChart) -> RecordExportSection | None:
    """Practitioners (the chart's clinical view) may export the full record."""
    if not chart.clinical or not actor.is_practitioner:
        return None
    return RecordExportSection(chart.patient, record_export_runs(chart.patient))
