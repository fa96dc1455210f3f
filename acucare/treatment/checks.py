"""The session check (`acucare.domain.session_check`) applied to a plan's points and to
a charted session: no writes, used by the services and live by the pages (htmx)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from acucare.domain.errors import InputError
from acucare.domain.intake import Intake
from acucare.domain.session_check import SessionCheck, check_session
from acucare.kb import registry
from acucare.kb.records.acupoints import resolve_point_code
from acucare.treatment.charting import PointRecord, SessionElements, SessionRecord

BLOCKING_LEVELS = ("urgent", "refer", "block")

# How a charted tissue level reads for the session check's technique rules (deep
# needling with a bleeding disorder, intra-articular needling).
TISSUE_DEPTH = {
    "subcutaneous": "superficial",
    "fascia": "standard",
    "muscle": "standard",
    "periosteum": "deep",
    "joint_space": "intra_articular",
}


def plan_session_document(
    acupuncture: Mapping[str, Any], points: list[dict[str, Any]]
) -> dict[str, Any]:
    modality = acupuncture.get("modality") or "manual_acupuncture"
    document: dict[str, Any] = {
        "modality": modality,
        "points": [{"code": p["code"], "side": p["side"]} for p in points],
    }
    pairs = acupuncture.get("electro_pairs") or []
    present = {(p["code"], p["side"]) for p in points}
    kept = [
        [{"code": e["code"], "side": e["side"]} for e in pair]
        for pair in pairs
        if all(
            (e["code"], e["side"]) in present or (e["code"], "bilateral") in present for e in pair
        )
    ]
    if kept:
        document["electro_pairs"] = kept
    return document


def blocking_messages(check: SessionCheck) -> list[str]:
    document = check.as_document()
    return [f["message"] for f in document["findings"] if f["level"] in BLOCKING_LEVELS]


def check_plan_points(
    *, intake: Intake, acupuncture: Mapping[str, Any], points: list[dict[str, Any]]
) -> SessionCheck:
    """The session check of the plan's points (no write; used live by the point picker)."""
    return check_session(intake, plan_session_document(acupuncture, points), registry())


def _point_entry(point: PointRecord, path: str) -> dict[str, Any]:
    code = resolve_point_code(registry(), point.code)
    if code is None:
        raise InputError(
            f"{path}.code", f"'{point.code}' is not a known acupoint: use a WHO code such as LI4."
        )
    entry: dict[str, Any] = {"code": code, "side": point.side}
    if point.level is not None:  # a point coded by spinal level (EX-B2)
        entry["level"] = point.level
    if point.depth_tissue is not None:
        entry["depth"] = TISSUE_DEPTH[point.depth_tissue]
    if point.depth_mm is not None:  # classed by the check against the point's safe depth
        entry["depth_mm"] = point.depth_mm
    if point.angle is not None:  # a caution may forbid an angle (GB21: perpendicular)
        entry["angle"] = point.angle
    return entry


def session_check_document(
    record: SessionRecord | SessionElements, prefix: str = ""
) -> dict[str, Any]:
    """The session-check input for a charted session (codes resolved, fields named)."""
    knowledge = registry()
    points = [_point_entry(point, f"{prefix}points[{i}]") for i, point in enumerate(record.points)]
    pairs = []
    for i, pair in enumerate(record.electro_pairs):
        ends = []
        for j, electrode in enumerate(pair.electrodes):
            code = resolve_point_code(knowledge, electrode.code)
            if code is None:
                raise InputError(
                    f"{prefix}electro_pairs[{i}].electrodes[{j}].code",
                    f"'{electrode.code}' is not a known acupoint.",
                )
            end = {"code": code, "side": electrode.side}
            if electrode.level is not None:
                end["level"] = electrode.level
            ends.append(end)
        pairs.append(ends)
    document: dict[str, Any] = {"modality": record.modality, "points": points}
    if pairs:
        document["electro_pairs"] = pairs
        order = ("mild", "moderate", "strong")
        document["electro_intensity"] = max(
            (p.intensity for p in record.electro_pairs), key=order.index
        )
    return document


# Co-interventions that are modalities of their own: the check runs for each as well.
CHECKED_CO_INTERVENTIONS = ("moxibustion", "cupping")


def co_intervention_documents(record: SessionRecord | SessionElements) -> list[dict[str, Any]]:
    """A session-check input for each co-intervention the safety rules know as a modality.

    The record does not say where the cups or the moxa went, so no points are named: the
    rules about the whole session act (wet cupping with a bleeding risk, cupping of
    undeclared kind counted as wet, a modality the screening blocks outright).
    """
    documents = []
    for co in record.co_interventions:
        if co.kind not in CHECKED_CO_INTERVENTIONS:
            continue
        document: dict[str, Any] = {"modality": co.kind, "points": []}
        if co.cupping_kind is not None:
            document["cupping_kind"] = co.cupping_kind
        documents.append(document)
    return documents


def _together(first: SessionCheck, second: SessionCheck) -> SessionCheck:
    """One check of a session and its co-interventions: allowed only if each is."""
    extra = tuple(f for f in second.session_findings if f not in first.session_findings)
    return SessionCheck(
        first.allowed and second.allowed, first.screening, first.session_findings + extra
    )


def run_session_check(*, intake: Intake, record: SessionRecord | SessionElements) -> SessionCheck:
    document = session_check_document(record)
    try:
        check = check_session(intake, document, registry())
        for extra in co_intervention_documents(record):
            check = _together(check, check_session(intake, extra, registry()))
        return check
    except InputError as error:
        field = re.sub(
            r"electro_pairs\[(\d+)\]\[(\d+)\]",
            r"electro_pairs[\1].electrodes[\2]",
            error.field.removeprefix("session."),
        )
        raise InputError(field, error.message, error.allowed) from None


def blocked_field(check: SessionCheck, record: SessionRecord) -> str:
    """The form field of the first blocked element: a point, a pair, or the points."""
    knowledge = registry()
    codes = [(resolve_point_code(knowledge, p.code), p.side) for p in record.points]
    for finding in check.session_findings:
        if finding.level not in BLOCKING_LEVELS or not finding.subject:
            continue
        subject = dict(finding.subject)
        point = subject.get("point") if isinstance(subject.get("point"), dict) else subject
        if isinstance(point, dict) and point.get("code"):
            key = (point.get("code"), point.get("side"))
            for i, (code, side) in enumerate(codes):
                if (code, side) == key or (code == key[0] and "bilateral" in (side, key[1])):
                    return f"points[{i}].code"
        field = _co_intervention_field(subject.get("modalities"), record)
        if field is not None:
            return field
        if "pair" in subject:
            pairs = [
                [(resolve_point_code(knowledge, e.code), e.side) for e in p.electrodes]
                for p in record.electro_pairs
            ]
            wanted = [(e.get("code"), e.get("side")) for e in subject["pair"]]
            for i, ends in enumerate(pairs):
                if sorted(ends, key=str) == sorted(wanted, key=str):
                    return f"electro_pairs[{i}].electrodes[0].code"
            return "electro_pairs"
    return "points"


def _co_intervention_field(modalities: object, record: SessionRecord) -> str | None:
    """The field of a co-intervention a whole-session finding is about (cupping: its kind)."""
    if not isinstance(modalities, list):
        return None
    for i, co in enumerate(record.co_interventions):
        if co.kind in modalities:
            return f"co_interventions[{i}]" + (".cupping_kind" if co.kind == "cupping" else "")
    return None


def findings_for_display(document: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A session-check document's findings for a page: those about this session, and
    those about the patient (notes left out; a patient-level block is a restriction the
    session has kept to, not a fault in it)."""
    findings = [f for f in document.get("findings", []) if f.get("level") != "note"]
    return {
        "session": [f for f in findings if f.get("scope") == "session"],
        "patient": [f for f in findings if f.get("scope") != "session"],
    }
