"""The patient chart's documents section (registered in `DocumentsConfig.ready`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from acucare.accounts.models import display_name_fields
from acucare.core.actor import Actor
from acucare.documents.models import Document
from acucare.patients.selectors import PatientChart


@dataclass(frozen=True)
class ChartDocument:
    """What the chart lists of a stored document (its link, title, signer and whether a
    newer version replaced it)."""

    public_id: uuid.UUID
    title: str
    version: int
    signed_at: dt.datetime
    signed_by_name: str
    addressee: str
    current: bool


def chart_documents(actor: Actor, chart: PatientChart) -> dict[object, list[ChartDocument]]:
    """Each episode's stored documents, newest first, by episode public id; for
    practitioners only. The chart's selector checked access and recorded the read (one
    look at a chart, one event), so this records nothing of its own.

    One query of the columns the section shows, joined to the signer only: the episode's
    public id comes from the chart's episodes, and a version is current when no document
    of the patient supersedes it (versions share the episode), so the five-table read of
    `documents_of_patient` is not needed (most of the section's cost on a chart with no
    documents)."""
    del actor
    if not chart.clinical:
        return {}
    episode_ids = {e.pk: e.public_id for e in chart.episodes}
    found: dict[object, list[ChartDocument]] = {e.public_id: [] for e in chart.episodes}
    rows = list(
        Document.objects.filter(patient=chart.patient)
        .select_related("signed_by")
        .only(
            "public_id",
            "episode_id",
            "title",
            "version",
            "signed_at",
            "addressee",
            "supersedes_id",
            *display_name_fields("signed_by"),
        )
    )
    replaced = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    for row in rows:
        found.setdefault(episode_ids[row.episode_id], []).append(
            ChartDocument(
                public_id=row.public_id,
                title=row.title,
                version=row.version,
                signed_at=row.signed_at,
                signed_by_name=row.signed_by.display_name,
                addressee=row.addressee,
                current=row.pk not in replaced,
            )
        )
    return found
