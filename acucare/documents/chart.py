"""The patient chart's documents section (registered in `DocumentsConfig.ready`)."""

from __future__ import annotations

from acucare.core.actor import Actor
from acucare.documents.selectors import StoredDocument, documents_of_patient
from acucare.patients.selectors import PatientChart


def chart_documents(actor: Actor, chart: PatientChart) -> dict[object, list[StoredDocument]]:
    """Each episode's stored documents, newest first, by episode public id; for
    practitioners only. The chart's selector checked access and recorded the read (one
    look at a chart, one event), so this records nothing of its own."""
    del actor
    if not chart.clinical:
        return {}
    found: dict[object, list[StoredDocument]] = {e.public_id: [] for e in chart.episodes}
    for document in documents_of_patient(chart.patient):
        found.setdefault(document.episode_id, []).append(document)
    return found
