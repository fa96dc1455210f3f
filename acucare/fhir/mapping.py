"""The clinic record as FHIR R4 resources (docs/fhir.md has the profiles and examples).

Functions of already-loaded rows, no queries of their own: the selectors and the export
load each patient's record in a fixed number of queries and pass it here. Every resource
id is the row's public UUID, or a UUID derived from it (`derived_id`) for a resource that
has no row of its own (a condition of an episode, a session's encounter, one score of a
measurement), so ids are stable from one export to the next. References are
`ResourceType/id` of resources in the same record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils import timezone

from acucare.accounts.models import User
from acucare.documents.selectors import StoredDocument
from acucare.domain.fhir import codes
from acucare.domain.fhir.questionnaire import answer_system, canonical
from acucare.domain.scoring import score
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.outcomes.diary_record import DiaryMedicine, DiaryRecordDay
from acucare.outcomes.models import BeforeSessionAnswer, Measurement
from acucare.patients.conditions import catalogue
from acucare.patients.models import Episode, EpisodeCondition, EpisodeStatus, Patient
from acucare.treatment.charting import EVENT_WORDS
from acucare.treatment.models import AdverseEvent, PlanStatus, TreatmentPlan, TreatmentSession

Resource = dict[str, Any]

GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
MODALITY_WORDS = {
    "manual_acupuncture": "Manual acupuncture",
    "electroacupuncture": "Electroacupuncture",
    "auricular_acupuncture": "Auricular acupuncture",
}
SIDE_WORDS = {"left": "left", "right": "right", "bilateral": "both sides", "midline": "midline"}


@lru_cache(maxsize=8192)
def derived_id(parent: uuid.UUID, part: str) -> str:
    """A stable id for a resource that has no row of its own (cached: a session's
    encounter id is asked for by each resource that refers to it)."""
    return str(uuid.uuid5(parent, part))


def ref(resource_type: str, resource_id: uuid.UUID | str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _instant(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


@dataclass(frozen=True)
class RecordDocument:
    """A stored document as the record shows it: the selector's view of its row, who
    signed it, and the SHA-1 of its checked bytes (base64, as FHIR's Attachment.hash is
    defined); None when the stored file is missing or no longer matches its hash."""

    stored: StoredDocument
    signer: User
    sha1_base64: str | None


@dataclass
class PatientRecord:
    """One patient's rows, loaded by `acucare.fhir.selectors` (a fixed number of queries)."""

    patient: Patient
    episodes: list[Episode]
    conditions: list[EpisodeCondition]
    plans: list[TreatmentPlan]
    sessions: list[TreatmentSession]
    adverse_events: list[AdverseEvent]
    measurements: list[Measurement]
    # Signed documents (DocumentReference), newest first.
    documents: list[RecordDocument] = field(default_factory=list)
    # What the patient wrote in the portal: answers before a session (with their
    # appointment), and diary days after one.
    before_session: list[BeforeSessionAnswer] = field(default_factory=list)
    diary: list[DiaryRecordDay] = field(default_factory=list)
    # Prefix of a document's download address (`https://clinic.example`); empty gives a
    # path on the server the record came from (`/documents/<id>/download/`).
    site: str = ""


# --------------------------------------------------------------------------- people


def patient_resource(patient: Patient) -> Resource:
    resource: Resource = {
        "resourceType": "Patient",
        "id": str(patient.public_id),
        "meta": {"versionId": str(patient.version), "lastUpdated": _instant(patient.updated_at)},
        "identifier": [{"system": codes.PATIENT_IDENTIFIER, "value": str(patient.public_id)}],
        "active": True,
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDER[patient.sex],
        "birthDate": patient.date_of_birth.isoformat(),
        "generalPractitioner": [ref("Practitioner", patient.primary_practitioner.public_id)],
    }
    if patient.preferred_name:
        resource["name"].append({"use": "usual", "given": [patient.preferred_name]})
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    if patient.address.strip():
        resource["address"] = [{"text": patient.address.strip()}]
    return resource


def practitioner_resource(user: User) -> Resource:
    resource: Resource = {
        "resourceType": "Practitioner",
        "id": str(user.public_id),
        "identifier": [{"system": codes.PRACTITIONER_IDENTIFIER, "value": str(user.public_id)}],
        "active": user.is_active,
        "name": [{"text": user.display_name}],
    }
    if user.last_name:
        resource["name"][0]["family"] = user.last_name
    if user.first_name:
        resource["name"][0]["given"] = [user.first_name]
    return resource


# --------------------------------------------------------------------------- episodes


def episode_of_care_resource(episode: Episode) -> Resource:
    status = {
        EpisodeStatus.ACTIVE: "active",
        EpisodeStatus.ON_HOLD: "onhold",
        EpisodeStatus.DISCHARGED: "finished",
    }[EpisodeStatus(episode.status)]
    period = {"start": episode.started_on.isoformat()}
    if episode.ended_on:
        period["end"] = episode.ended_on.isoformat()
    return {
        "resourceType": "EpisodeOfCare",
        "id": str(episode.public_id),
        "status": status,
        "type": [{"text": episode.complaint}],
        "patient": ref("Patient", episode.patient.public_id),
        "period": period,
        "diagnosis": [
            {"condition": ref("Condition", condition_id(episode, c)), "rank": c.position + 1}
            for c in episode.conditions.all()
        ],
    }


def condition_id(episode: Episode, condition: EpisodeCondition) -> str:
    return derived_id(episode.public_id, f"condition:{condition.icd10}")


@lru_cache(maxsize=8)
def _descriptors(version: str) -> Mapping[str, str]:
    """Verified ICD-10-CM descriptors by code (an unverified one is not sent as display)."""
    del version
    return {o.code: o.descriptor for o in catalogue() if o.descriptor_verified}


def condition_resource(episode: Episode, condition: EpisodeCondition) -> Resource:
    coding: dict[str, str] = {"system": codes.ICD10CM, "code": condition.icd10}
    descriptor = _descriptors(registry().version).get(condition.icd10)
    if descriptor:
        coding["display"] = descriptor
    active = episode.status != EpisodeStatus.DISCHARGED
    resource: Resource = {
        "resourceType": "Condition",
        "id": condition_id(episode, condition),
        "clinicalStatus": {
            "coding": [
                {
                    "system": codes.CONDITION_CLINICAL,
                    "code": "active" if active else "inactive",
                }
            ]
        },
        "category": [
            {"coding": [{"system": codes.CONDITION_CATEGORY, "code": "encounter-diagnosis"}]}
        ],
        "code": {"coding": [coding], "text": descriptor or episode.complaint},
        "subject": ref("Patient", episode.patient.public_id),
        "recordedDate": episode.started_on.isoformat(),
    }
    if condition.duration_weeks is not None:
        onset = episode.started_on - dt.timedelta(weeks=condition.duration_weeks)
        resource["onsetDateTime"] = onset.isoformat()
    return resource


# --------------------------------------------------------------------------- plans


def _plan_status(plan: TreatmentPlan, episode: Episode) -> str:
    if plan.status == PlanStatus.DRAFT:
        return "draft"
    if plan.status == PlanStatus.SUPERSEDED:
        return "revoked"
    return "completed" if episode.status == EpisodeStatus.DISCHARGED else "active"


def care_plan_resource(plan: TreatmentPlan, episode: Episode) -> Resource:
    status = _plan_status(plan, episode)
    activity_status = {
        "draft": "not-started",
        "revoked": "stopped",
        "completed": "completed",
        "active": "in-progress",
    }[status]
    activities: list[Resource] = []
    acupuncture = plan.acupuncture
    if acupuncture:
        points = ", ".join(
            f"{p['code']} ({SIDE_WORDS.get(p.get('side', ''), p.get('side', ''))})"
            for p in acupuncture.get("points", [])
        )
        detail: Resource = {
            "kind": "Procedure",
            "code": {
                "coding": [codes.ACUPUNCTURE.coding()],
                "text": MODALITY_WORDS.get(str(acupuncture.get("modality")), "Acupuncture"),
            },
            "status": activity_status,
            "description": f"Points: {points}." if points else "Acupuncture.",
        }
        sessions = acupuncture.get("sessions")
        per_week = acupuncture.get("sessions_per_week")
        if sessions:
            detail["scheduledString"] = f"{sessions} sessions" + (
                f", {per_week} a week" if per_week else ""
            )
        if plan.approved_by is not None:
            detail["performer"] = [ref("Practitioner", plan.approved_by.public_id)]
        activities.append({"detail": detail})
    for component in plan.document.get("components", []):
        actions = [str(a) for a in component.get("actions", [])]
        text = str(component.get("why", "")).strip()
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {"text": str(component.get("domain", "care")).capitalize()},
                    "status": activity_status,
                    "description": " ".join([text, *actions]).strip() or "Care",
                }
            }
        )
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": str(plan.public_id),
        "meta": {"versionId": str(plan.version), "lastUpdated": _instant(plan.updated_at)},
        "status": status,
        "intent": "plan",
        "title": "Care plan",
        "subject": ref("Patient", episode.patient.public_id),
        "created": _instant(plan.created_at),
        "author": ref("Practitioner", plan.created_by.public_id),
        "addresses": [ref("Condition", condition_id(episode, c)) for c in episode.conditions.all()],
    }
    if plan.referral_required:
        resource["description"] = "Referral to a doctor is needed before acupuncture."
    if activities:
        resource["activity"] = activities
    return resource


# --------------------------------------------------------------------------- sessions


def encounter_id(session: TreatmentSession) -> str:
    return derived_id(session.public_id, "encounter")


def _performer(session: TreatmentSession) -> User:
    return session.signed_by or session.created_by


def encounter_resource(session: TreatmentSession, episode: Episode) -> Resource:
    return {
        "resourceType": "Encounter",
        "id": encounter_id(session),
        "status": "finished" if session.signed else "in-progress",
        "class": {"system": codes.ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"text": "Acupuncture session"}],
        "subject": ref("Patient", episode.patient.public_id),
        "episodeOfCare": [ref("EpisodeOfCare", episode.public_id)],
        "participant": [{"individual": ref("Practitioner", _performer(session).public_id)}],
        "period": {"start": session.date.isoformat(), "end": session.date.isoformat()},
        "reasonReference": [
            ref("Condition", condition_id(episode, c)) for c in episode.conditions.all()
        ],
    }


def _sub(url: str, key: str, value: object) -> Resource:
    return {"url": url, key: value}


def _point_extension(point: Mapping[str, Any]) -> Resource:
    parts = [
        _sub(
            "code",
            "valueCoding",
            {"system": codes.ACUPOINTS, "code": str(point["code"])},
        ),
        _sub("side", "valueCode", str(point["side"])),
    ]
    if point.get("depth_mm") is not None:
        parts.append(_sub("depthMm", "valueDecimal", point["depth_mm"]))
    for name, key in (
        ("level", "level"),
        ("depthTissue", "depth_tissue"),
        ("angle", "angle"),
        ("deQi", "de_qi"),
        ("stimulation", "stimulation"),
    ):
        if point.get(key):
            parts.append(_sub(name, "valueCode", str(point[key])))
    return {"url": "point", "extension": parts}


def _needle_extension(needle: Mapping[str, Any]) -> Resource:
    parts = [
        _sub("gaugeMm", "valueDecimal", needle["gauge_mm"]),
        _sub("lengthMm", "valueDecimal", needle["length_mm"]),
        _sub("material", "valueCode", str(needle.get("material", "stainless_steel"))),
    ]
    for name in ("manufacturer", "lot"):
        if needle.get(name):
            parts.append(_sub(name, "valueString", str(needle[name])))
    return {"url": "needle", "extension": parts}


def _electrode_words(electrode: Mapping[str, Any]) -> list[str]:
    """ "BL23 left", or "EX-B2 T4 left" for a point coded by spinal level."""
    level = [str(electrode["level"])] if electrode.get("level") else []
    return [str(electrode["code"]), *level, str(electrode["side"])]


def _electro_extension(pair: Mapping[str, Any]) -> Resource:
    parts = [
        _sub("electrode", "valueString", " ".join(_electrode_words(e))) for e in pair["electrodes"]
    ]
    parts += [
        _sub("frequencyHz", "valueDecimal", pair["frequency_hz"]),
        _sub("waveform", "valueCode", str(pair["waveform"])),
        _sub("intensity", "valueCode", str(pair["intensity"])),
        _sub("durationMinutes", "valueInteger", int(pair["duration_minutes"])),
    ]
    return {"url": "electroPair", "extension": parts}


def needling_extension(session: TreatmentSession) -> Resource:
    """The STRICTA details of a session (docs/fhir.md, `acupuncture-needling`)."""
    parts = [_point_extension(p) for p in session.points]
    if session.needle:
        parts.append(_needle_extension(session.needle))
    parts += [_electro_extension(pair) for pair in session.electro_pairs]
    if session.retention_minutes is not None:
        parts.append(_sub("retentionMinutes", "valueInteger", session.retention_minutes))
    parts.append(_sub("needlesIn", "valueInteger", session.needles_in))
    parts.append(_sub("needlesOut", "valueInteger", session.needles_out))
    return {"url": codes.NEEDLING_EXTENSION, "extension": parts}


def _number(value: object) -> str:
    return f"{float(str(value)):g}"


def needling_summary(session: TreatmentSession) -> str:
    """The same details in words, for a reader that ignores the extension."""
    points = ", ".join(
        f"{p['code']} ({SIDE_WORDS.get(p['side'], p['side'])})" for p in session.points
    )
    words = [f"{MODALITY_WORDS.get(session.modality, session.modality)}. Points: {points}."]
    needle = session.needle
    if needle:
        words.append(
            f"Needles {_number(needle['gauge_mm'])} × {_number(needle['length_mm'])} mm, "
            f"{str(needle.get('material', 'stainless_steel')).replace('_', ' ')}."
        )
    for pair in session.electro_pairs:
        ends = " to ".join(f"{e['code']} {e['side']}" for e in pair["electrodes"])
        words.append(
            f"Electrical stimulation {ends}: {_number(pair['frequency_hz'])} Hz, "
            f"{pair['waveform'].replace('_', '-')}, {pair['intensity']}, "
            f"{pair['duration_minutes']} minutes."
        )
    if session.retention_minutes is not None:
        words.append(f"Needles retained {session.retention_minutes} minutes.")
    words.append(f"Needles in {session.needles_in}, out {session.needles_out}.")
    return " ".join(words)


def procedure_resource(session: TreatmentSession, episode: Episode) -> Resource:
    resource: Resource = {
        "resourceType": "Procedure",
        "id": str(session.public_id),
        "meta": {"versionId": str(session.version), "lastUpdated": _instant(session.updated_at)},
        "extension": [needling_extension(session)],
        "status": "completed" if session.signed else "in-progress",
        "code": {
            "coding": [codes.ACUPUNCTURE.coding()],
            "text": MODALITY_WORDS.get(session.modality, "Acupuncture"),
        },
        "subject": ref("Patient", episode.patient.public_id),
        "encounter": ref("Encounter", encounter_id(session)),
        "performedDateTime": session.date.isoformat(),
        "performer": [{"actor": ref("Practitioner", _performer(session).public_id)}],
        "reasonReference": [
            ref("Condition", condition_id(episode, c)) for c in episode.conditions.all()
        ],
        "basedOn": [ref("CarePlan", session.plan.public_id)],
        "bodySite": [
            {
                "coding": [{"system": codes.ACUPOINTS, "code": str(p["code"])}],
                "text": f"{p['code']} {SIDE_WORDS.get(p['side'], p['side'])}",
            }
            for p in session.points
        ],
        "note": [{"text": needling_summary(session)}],
    }
    if session.notes.strip():
        resource["note"].append({"text": session.notes.strip()})
    if session.co_interventions:
        resource["usedCode"] = [
            {"text": " ".join([*_cupping_kind(c), str(c.get("kind", "other")).replace("_", " ")])}
            for c in session.co_interventions
        ]
    return resource


@lru_cache(maxsize=8)
def _pain_code(version: str) -> Resource:
    del version
    loinc = registry().of(Instrument)["nrs"].loinc
    assert loinc is not None
    return {"system": codes.LOINC, "code": loinc.code, "display": loinc.display}


def _cupping_kind(co: Mapping[str, Any]) -> list[str]:
    """["wet"] or ["dry"] for cupping whose kind was recorded, else nothing."""
    return [str(co["cupping_kind"])] if co.get("cupping_kind") else []


def pain_observations(session: TreatmentSession, episode: Episode) -> Iterator[Resource]:
    """The session's pain ratings (0–10) before and after needling, LOINC 72514-3."""
    nrs = _pain_code(registry().version)
    for moment, value in (("before", session.pain_before), ("after", session.pain_after)):
        if value is None:
            continue
        yield {
            "resourceType": "Observation",
            "id": derived_id(session.public_id, f"pain_{moment}"),
            "status": "final" if session.signed else "preliminary",
            "category": [_survey()],
            "code": {
                "coding": [nrs],
                "text": f"Pain {moment} the session (0–10)",
            },
            "subject": ref("Patient", episode.patient.public_id),
            "encounter": ref("Encounter", encounter_id(session)),
            "partOf": [ref("Procedure", session.public_id)],
            "effectiveDateTime": session.date.isoformat(),
            "performer": [ref("Patient", episode.patient.public_id)],
            "valueInteger": value,
        }


def adverse_event_resource(
    event: AdverseEvent, session: TreatmentSession, episode: Episode
) -> Resource:
    resource: Resource = {
        "resourceType": "AdverseEvent",
        "id": str(event.public_id),
        "actuality": "actual",
        "event": {
            "coding": [{"system": codes.ADVERSE_EVENT_TYPES, "code": event.type_code}],
            "text": EVENT_WORDS.get(event.type_code, "Adverse event"),
        },
        "subject": ref("Patient", episode.patient.public_id),
        "encounter": ref("Encounter", encounter_id(session)),
        "date": session.date.isoformat(),
        "recordedDate": _instant(event.created_at),
        "recorder": ref("Practitioner", event.created_by.public_id),
        "seriousness": {
            "coding": [
                {
                    "system": codes.ADVERSE_EVENT_SERIOUSNESS,
                    "code": "serious" if event.seriousness == "serious" else "non-serious",
                }
            ],
            "text": event.get_seriousness_display(),
        },
        "suspectEntity": [{"instance": ref("Procedure", session.public_id)}],
    }
    if event.description:
        resource["event"]["text"] = f"{resource['event']['text']}: {event.description}"
    return resource


# --------------------------------------------------------------------------- measurements


def _survey() -> Resource:
    return {"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey"}]}


def _instrument_code(instrument: Instrument) -> Resource:
    if instrument.loinc is not None:
        coding = {
            "system": codes.LOINC,
            "code": instrument.loinc.code,
            "display": instrument.loinc.display,
        }
    else:
        coding = {
            "system": codes.INSTRUMENT_CODES,
            "code": instrument.id,
            "display": instrument.name,
        }
    return {"coding": [coding], "text": f"{instrument.short_name} score"}


@dataclass(frozen=True)
class Answers:
    """A set of questionnaire answers as the record maps them: a measurement's, or the
    patient's own before a session (`episode_link`: that one names its EpisodeOfCare)."""

    row_id: uuid.UUID  # the row's public id, from which the resources' ids derive
    scores: Mapping[str, Mapping[str, Any]]  # {instrument id: {item number: code}}
    episode: Episode
    author: dict[str, str]
    authored: dt.datetime
    effective: dt.date
    note: str
    episode_link: bool = False


def _answer_resources(answers: Answers) -> Iterator[Resource]:
    """Per instrument answered: the answers (QuestionnaireResponse) and the score
    (Observation derived from them)."""
    instruments = registry().of(Instrument)
    patient = ref("Patient", answers.episode.patient.public_id)
    linked = {"extension": [_episode_extension(answers.episode)]} if answers.episode_link else {}
    for instrument_id, given in sorted(answers.scores.items()):
        instrument = instruments.get(instrument_id)
        if instrument is None:
            continue
        response_id = derived_id(answers.row_id, f"questionnaire:{instrument_id}")
        complete = len(given) == len(instrument.items)
        yield {
            "resourceType": "QuestionnaireResponse",
            "id": response_id,
            **linked,
            "questionnaire": canonical(instrument),
            "status": "completed" if complete else "amended",
            "subject": patient,
            "authored": _instant(answers.authored),
            "author": answers.author,
            "source": patient,
            "item": [
                {
                    "linkId": number,
                    "answer": [
                        {"valueCoding": {"system": answer_system(instrument_id), "code": str(code)}}
                    ],
                }
                for number, code in sorted(given.items(), key=lambda kv: int(kv[0]))
            ],
        }
        yield {
            "resourceType": "Observation",
            "id": derived_id(answers.row_id, f"score:{instrument_id}"),
            **linked,
            "status": "final",
            "category": [_survey()],
            "code": _instrument_code(instrument),
            "subject": patient,
            "effectiveDateTime": answers.effective.isoformat(),
            "issued": _instant(answers.authored),
            "performer": [answers.author],
            "derivedFrom": [ref("QuestionnaireResponse", response_id)],
            "note": [{"text": answers.note}],
            **_score_value(instrument_id, given),
        }


def _score_value(instrument_id: str, given: Mapping[str, Any]) -> Resource:
    """The score's value, its band as interpretation, or why there is none."""
    result = score(registry(), instrument_id, given)
    value: Resource = {}
    if result.total is None:
        value["dataAbsentReason"] = {"text": "Items missing; no published rule scores it."}
    else:
        value["valueQuantity"] = {
            "value": result.total,
            "unit": "score",
            "system": codes.UCUM,
            "code": "{score}",
        }
    if result.band_label:
        value["interpretation"] = [{"text": result.band_label}]
    return value


def _episode_extension(episode: Episode) -> Resource:
    return {
        "url": codes.EPISODE_OF_CARE_EXTENSION,
        "valueReference": ref("EpisodeOfCare", episode.public_id),
    }


def measurement_resources(measurement: Measurement, episode: Episode) -> Iterator[Resource]:
    """Per instrument measured: the answers (QuestionnaireResponse) and the score
    (Observation derived from them); and the PGIC rating, where one was given."""
    instruments = registry().of(Instrument)
    author = ref("Practitioner", measurement.created_by.public_id)
    yield from _answer_resources(
        Answers(
            measurement.public_id,
            measurement.scores,
            episode,
            author,
            measurement.created_at,
            measurement.date,
            f"{measurement.get_kind_display()}, after session {measurement.session}.",
        )
    )
    patient = ref("Patient", episode.patient.public_id)
    if measurement.pgic is not None:
        pgic = instruments["pgic"]
        label = next((o.label for o in pgic.scales[0].options if o.code == measurement.pgic), None)
        yield {
            "resourceType": "Observation",
            "id": derived_id(measurement.public_id, "pgic"),
            "status": "final",
            "category": [_survey()],
            "code": _instrument_code(pgic),
            "subject": patient,
            "effectiveDateTime": measurement.date.isoformat(),
            "performer": [author],
            "valueCodeableConcept": {
                "coding": [{"system": answer_system("pgic"), "code": str(measurement.pgic)}],
                "text": label or str(measurement.pgic),
            },
        }


# --------------------------------------------------------------------------- the portal


def before_session_resources(answer: BeforeSessionAnswer, episode: Episode) -> Iterator[Resource]:
    """The patient's answers before a session, mapped as a measurement's are (the pain
    NRS is the `nrs` instrument's score, LOINC 72514-3), the patient their author, the
    episode named by extension, effective on the appointment's day."""
    day = timezone.localdate(answer.appointment.start)
    yield from _answer_resources(
        Answers(
            answer.public_id,
            answer.scores,
            episode,
            ref("Patient", episode.patient.public_id),
            answer.answered_at,
            day,
            f"Answered in the portal before session {answer.session}, "
            f"for the appointment of {day:%-d %B %Y}.",
            episode_link=True,
        )
    )


def _diary_observation(
    entry: DiaryRecordDay, part: str, code: Resource, value: Resource, episode: Episode
) -> Resource:
    patient = ref("Patient", episode.patient.public_id)
    return {
        "resourceType": "Observation",
        "id": derived_id(entry.public_id, part),
        "extension": [_episode_extension(episode)],
        "status": "final",
        "category": [_survey()],
        "code": code,
        "subject": patient,
        "effectiveDateTime": entry.day.isoformat(),
        "issued": _instant(entry.recorded_at),
        "performer": [patient],
        **value,
    }


def _diary_code(code: str, display: str) -> Resource:
    return {"coding": [{"system": codes.DIARY, "code": code, "display": display}], "text": display}


def _medicine_dose(medicine: DiaryMedicine) -> Resource:
    """One dose: mg by mouth (or other), or a patch's mcg an hour (UCUM `ug/h`)."""
    if medicine.unit == "mcg/h":
        return {"value": medicine.dose, "unit": "mcg/h", "system": codes.UCUM, "code": "ug/h"}
    return {"value": medicine.dose, "unit": "mg", "system": codes.UCUM, "code": "mg"}


def medicine_words(medicine: DiaryMedicine) -> str:
    if medicine.unit == "mcg/h":
        return f"{medicine.medicine.capitalize()} {_number(medicine.dose)} mcg an hour (patch)"
    times = "once" if medicine.times == 1 else f"{medicine.times} times"
    return f"{medicine.medicine.capitalize()} {_number(medicine.dose)} mg, {times} that day"


def medication_statement(
    entry: DiaryRecordDay, index: int, medicine: DiaryMedicine, patient: Patient
) -> Resource:
    """A medicine the patient took on a diary day, as they told it (`informationSource`)."""
    dosage: Resource = {
        "text": medicine_words(medicine),
        "doseAndRate": [{"doseQuantity": _medicine_dose(medicine)}],
    }
    if medicine.unit != "mcg/h":
        dosage["timing"] = {"repeat": {"frequency": medicine.times, "period": 1, "periodUnit": "d"}}
    return {
        "resourceType": "MedicationStatement",
        "id": derived_id(entry.public_id, f"medicine:{index}:{medicine.medicine}"),
        "status": "completed",
        "medicationCodeableConcept": {
            "coding": [{"system": codes.OPIOIDS, "code": medicine.medicine}],
            "text": medicine.medicine.capitalize(),
        },
        "subject": ref("Patient", patient.public_id),
        "effectiveDateTime": entry.day.isoformat(),
        "dateAsserted": _instant(entry.recorded_at),
        "informationSource": ref("Patient", patient.public_id),
        "dosage": [dosage],
    }


def diary_resources(entry: DiaryRecordDay, episode: Episode) -> Iterator[Resource]:
    """A diary day: pain (LOINC 72514-3, the 0–10 rating reported), sleep (hours and
    how well, the project's own scale), the day's MME and each medicine taken, all
    reported by the patient on that day. Its after-effects are the session's
    AdverseEvents already."""
    yield _diary_observation(
        entry,
        "pain",
        {"coding": [_pain_code(registry().version)], "text": "Pain that day (0–10), diary"},
        {"valueInteger": entry.pain},
        episode,
    )
    yield _diary_observation(
        entry,
        "sleep-hours",
        _diary_code("sleep-hours", "Hours slept, diary"),
        {
            "valueQuantity": {
                "value": entry.sleep_hours,
                "unit": "hours",
                "system": codes.UCUM,
                "code": "h",
            }
        },
        episode,
    )
    yield _diary_observation(
        entry,
        "sleep-quality",
        _diary_code("sleep-quality", "How well they slept (0 very badly – 10 very well), diary"),
        {"valueInteger": entry.sleep_quality},
        episode,
    )
    if entry.mme_per_day is not None:
        yield _diary_observation(
            entry,
            "mme",
            _diary_code("mme-per-day", "Opioids that day, oral morphine equivalent (MME)"),
            {
                "valueQuantity": {
                    "value": entry.mme_per_day,
                    "unit": "mg a day",
                    "system": codes.UCUM,
                    "code": "mg/d",
                }
            },
            episode,
        )
    for index, medicine in enumerate(entry.medicines):
        yield medication_statement(entry, index, medicine, episode.patient)


# --------------------------------------------------------------------------- documents


def document_download_path(document: StoredDocument) -> str:
    """The download page of a signed PDF (`acucare.documents.urls`, `documents:download`)."""
    return f"/documents/{document.public_id}/download/"


def _document_period(document: StoredDocument, episode: Episode) -> dict[str, str]:
    """The care the document covers: from the episode's start to its end, or to the day
    it was signed when that came first (a progress report covers the course so far)."""
    signed = timezone.localdate(document.signed_at)
    end = min(episode.ended_on, signed) if episode.ended_on else signed
    return {
        "start": episode.started_on.isoformat(),
        "end": max(end, episode.started_on).isoformat(),
    }


def document_reference_resource(
    item: RecordDocument, episode: Episode, *, site: str = ""
) -> Resource:
    """A signed PDF: its kind, who signed it and when, the episode it belongs to, and
    the file (type, size, SHA-1, title, download address); a superseded version says so
    (`status`), and a newer one names the version it `replaces`."""
    document = item.stored
    signer = ref("Practitioner", document.signed_by_id)
    attachment: Resource = {
        "contentType": document.content_type,
        "language": "en-GB",
        "url": f"{site}{document_download_path(document)}",
        "size": document.size_bytes,
        "title": document.title,
        "creation": _instant(document.signed_at),
    }
    if item.sha1_base64 is not None:
        attachment["hash"] = item.sha1_base64
    resource: Resource = {
        "resourceType": "DocumentReference",
        "id": str(document.public_id),
        "masterIdentifier": {"system": codes.DOCUMENT_IDENTIFIER, "value": str(document.public_id)},
        "status": "current" if document.current else "superseded",
        "docStatus": "final",
        "type": {
            "coding": [
                {
                    "system": codes.DOCUMENT_KINDS,
                    "code": document.kind,
                    "display": document.kind_label,
                }
            ],
            "text": document.kind_label,
        },
        "subject": ref("Patient", episode.patient.public_id),
        "date": _instant(document.signed_at),
        "author": [signer],
        "authenticator": signer,
        "description": f"{document.title}, version {document.version}",
        "content": [{"attachment": attachment}],
        "context": {
            "encounter": [ref("EpisodeOfCare", episode.public_id)],
            "period": _document_period(document, episode),
        },
    }
    if document.supersedes_id is not None:
        resource["relatesTo"] = [
            {"code": "replaces", "target": ref("DocumentReference", document.supersedes_id)}
        ]
    return resource


# --------------------------------------------------------------------------- a record


def record_resources(record: PatientRecord) -> Iterator[Resource]:
    """Every resource of one patient's record, each once, the patient first; then the
    practitioners it references."""
    people: dict[int, User] = {}

    def person(user: User | None) -> None:
        if user is not None:
            people.setdefault(user.pk, user)

    person(record.patient.primary_practitioner)
    yield patient_resource(record.patient)
    episodes = {e.pk: e for e in record.episodes}
    for episode in record.episodes:
        yield episode_of_care_resource(episode)
        for condition in episode.conditions.all():
            yield condition_resource(episode, condition)
    for plan in record.plans:
        person(plan.created_by)
        person(plan.approved_by)
        yield care_plan_resource(plan, episodes[plan.episode_id])
    yield from _session_resources(record, episodes, person)
    for measurement in record.measurements:
        person(measurement.created_by)
        yield from measurement_resources(measurement, episodes[measurement.episode_id])
    yield from _portal_resources(record, episodes)
    by_public_id = {e.public_id: e for e in record.episodes}
    for item in record.documents:
        person(item.signer)
        episode = by_public_id[item.stored.episode_id]
        yield document_reference_resource(item, episode, site=record.site)
    for user in people.values():
        yield practitioner_resource(user)


def _session_resources(
    record: PatientRecord, episodes: Mapping[int, Episode], person: Callable[[User], None]
) -> Iterator[Resource]:
    events: dict[int, list[AdverseEvent]] = {}
    for event in record.adverse_events:
        events.setdefault(event.session_id, []).append(event)
    for session in record.sessions:
        episode = episodes[session.plan.episode_id]
        person(_performer(session))
        yield encounter_resource(session, episode)
        yield procedure_resource(session, episode)
        yield from pain_observations(session, episode)
        for event in events.get(session.pk, []):
            person(event.created_by)
            yield adverse_event_resource(event, session, episode)


def _portal_resources(record: PatientRecord, episodes: Mapping[int, Episode]) -> Iterator[Resource]:
    """What the patient wrote in the portal: answers before sessions, diary days."""
    for answer in record.before_session:
        yield from before_session_resources(answer, episodes[answer.episode_id])
    session_episodes = {s.public_id: episodes[s.plan.episode_id] for s in record.sessions}
    for entry in record.diary:
        yield from diary_resources(entry, session_episodes[entry.session_id])
