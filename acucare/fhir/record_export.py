"""A patient's full record in one archive (right of access; docs/fhir.md).

The archive (ZIP) holds:

- `record.fhir.json`: the whole record as a FHIR R4 Bundle (as `$everything` gives it);
- `summary.html`: the same record for a person to read, in the clinic's words;
- `documents/…`: every stored PDF of the patient, every version, as signed (read
  through `acucare.documents.selectors`, each checked against its SHA-256);
- `README.txt`: what each file is.

Practitioners with access to the patient make it from the chart: it is built by a
background job (`record_export` in `acucare.fhir.jobs`), with its progress and then its
download link listed on the chart.
Making an archive and downloading one are each audited.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from acucare.documents.selectors import stored_pdf
from acucare.documents.storage import StoredFileError
from acucare.domain.scoring import score
from acucare.fhir.mapping import (
    PatientRecord,
    RecordDocument,
    Resource,
    medicine_words,
    needling_summary,
    record_resources,
)
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.outcomes.diary_record import DiaryRecordDay
from acucare.patients.models import Patient
from acucare.treatment.charting import EVENT_WORDS

# Background archives: job keys start with this; files live in export_folder().
RECORD_EXPORT_PREFIX = "record-export:"


def export_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "record-exports"


@dataclass(frozen=True)
class ArchivedDocument:
    """A stored document as the archive lists it; `content` None when its file is
    missing or changed (listed, not included)."""

    name: str  # under documents/
    title: str
    version: int
    signed_by: str
    signed_at: dt.datetime
    replaced: bool
    content: bytes | None

    @property
    def included(self) -> bool:
        return self.content is not None


def archived_documents(record: PatientRecord) -> list[ArchivedDocument]:
    """Every stored PDF of the record, oldest first, each under a name of its own."""
    return [_archived(item) for item in reversed(record.documents)]


def _archived(item: RecordDocument) -> ArchivedDocument:
    stored = item.stored
    try:
        content: bytes | None = stored_pdf(stored)
    except StoredFileError:
        content = None  # the FHIR selector logged it when it read the record
    stem = stored.file_name.removesuffix(".pdf")
    return ArchivedDocument(
        name=f"{stem}-{stored.public_id.hex[:8]}.pdf",
        title=stored.title,
        version=stored.version,
        signed_by=stored.signed_by_name,
        signed_at=stored.signed_at,
        replaced=not stored.current,
        content=content,
    )


def site_of(base: str) -> str:
    """The site of the FHIR base address (`https://clinic.example/fhir/r4/` gives
    `https://clinic.example`), which prefixes the documents' download addresses."""
    return base.rstrip("/").removesuffix("/fhir/r4")


def collection_bundle(resources: list[Resource], base: str) -> Resource:
    """The record as a `collection` Bundle whose entries' fullUrls make every
    `ResourceType/id` reference resolve inside it."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "entry": [
            {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


@dataclass(frozen=True)
class ScoreLine:
    date: dt.date
    timepoint: str
    instrument: str
    total: str
    band: str


def _scores(record: PatientRecord) -> list[ScoreLine]:
    """The scores of every measurement and of the patient's answers before sessions,
    by date."""
    given = [(m.date, m.get_kind_display(), m.scores) for m in record.measurements] + [
        (
            timezone.localdate(a.appointment.start),
            f"Before session {a.session} (patient's portal)",
            a.scores,
        )
        for a in record.before_session
    ]
    instruments = registry().of(Instrument)
    lines = []
    for date, timepoint, scores in sorted(given, key=lambda g: g[0]):
        for instrument_id, answers in sorted(scores.items()):
            instrument = instruments.get(instrument_id)
            if instrument is None:
                continue
            result = score(registry(), instrument_id, answers)
            lines.append(
                ScoreLine(
                    date,
                    timepoint,
                    instrument.short_name,
                    "not scored (items missing)" if result.total is None else f"{result.total:g}",
                    result.band_label or "",
                )
            )
    return lines


@dataclass(frozen=True)
class DiaryLine:
    day: DiaryRecordDay
    medicines: str  # the medicines in words, "None" when none was taken


def _diary(record: PatientRecord) -> list[DiaryLine]:
    return [
        DiaryLine(day, "; ".join(medicine_words(m) for m in day.medicines) or "None")
        for day in record.diary
    ]


def summary_html(record: PatientRecord, documents: list[ArchivedDocument]) -> str:
    """The human-readable summary: who, what was wrong, what was planned and done, how
    it went, what went wrong, and the documents."""
    episodes = {e.pk: e for e in record.episodes}
    events: dict[int, list[str]] = {}
    for event in record.adverse_events:
        words = EVENT_WORDS.get(event.type_code, "Adverse event")
        text = f"{words} ({event.get_seriousness_display().lower()})"
        events.setdefault(event.session_id, []).append(
            f"{text}: {event.description}" if event.description else text
        )
    sessions = [
        {
            "session": s,
            "episode": episodes[s.plan.episode_id],
            "summary": needling_summary(s),
            "events": events.get(s.pk, []),
        }
        for s in record.sessions
    ]
    return render_to_string(
        "fhir/record_summary.html",
        {
            "patient": record.patient,
            "record": record,
            "sessions": sessions,
            "scores": _scores(record),
            "diary": _diary(record),
            "documents": documents,
            "made": timezone.localtime(),
        },
    )


README = """\
Full record of {name}, made {made} by {clinic_user}.

summary.html       the record to read: details, episodes and conditions, care plans,
                   sessions (points, needles, pain before and after), questionnaire
                   scores, adverse events, the patient's portal diary, documents.
record.fhir.json   the same record as a FHIR R4 Bundle (HL7 FHIR, https://hl7.org/fhir/R4B),
                   for another clinic's system to import.
documents/         the stored documents (letters, reports), as they were signed.
"""


def build_archive(record: PatientRecord, *, base: str, made_by: str) -> bytes:
    """The archive's bytes. Deterministic apart from the time it was made."""
    resources = list(record_resources(record))
    documents = archived_documents(record)
    buffer = io.BytesIO()
    made = timezone.localtime()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(
                name=record.patient.full_name,
                made=f"{made:%d %B %Y %H:%M}",
                clinic_user=made_by,
            ),
        )
        archive.writestr("summary.html", summary_html(record, documents))
        archive.writestr(
            "record.fhir.json",
            json.dumps(collection_bundle(resources, base), ensure_ascii=False, indent=1),
        )
        for document in documents:
            if document.content is not None:
                archive.writestr(f"documents/{document.name}", document.content)
    return buffer.getvalue()


def archive_name(patient: Patient, when: dt.datetime) -> str:
    return f"record-{patient.public_id}-{when:%Y%m%d-%H%M}.zip"
