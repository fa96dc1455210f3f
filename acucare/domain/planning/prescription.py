"""The plan's acupuncture block: the prescription as the spec's document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from acucare.domain.planning.first_session import first_session
from acucare.domain.planning.points import (
    Selection,
    Substitution,
)
from acucare.domain.planning.terms import AURICULAR, ELECTRO, MANUAL, number
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.protocols import Protocol


def acupuncture_document(
    protocol: Protocol,
    selection: Selection,
    modality: str,
    why: str,
    substitutions: Sequence[Substitution],
    alternatives: Sequence[Mapping[str, Any]],
    sparing: bool,
    points: Mapping[str, Acupoint],
    electro_off: Sequence[str],
) -> dict[str, Any]:
    course = protocol.course
    document: dict[str, Any] = {
        "modality": modality,
        "style": protocol.style,
        "protocol": protocol.ref,
        "protocol_name": protocol.name,
        "protocol_status": protocol.status,
        "why": why,
        "points": [p.as_document() for p in selection.points],
        "ashi_points": None,
        "needles": selection.needles,
        "needle_range": {
            "min": number(protocol.needles.min),
            "max": None if protocol.needles.max is None else number(protocol.needles.max),
        },
        "first_session": first_session(selection, protocol, sparing, points),
        "stimulation": _stimulation(protocol, modality, electro_off),
        "sessions": course.sessions,
        "sessions_per_week": course.sessions_per_week,
        "weeks": number(course.weeks),
        "schedule": course.schedule,
        "retention_minutes": protocol.retention_minutes,
        "extension": None,
        "substitutions": [s.as_document() for s in substitutions],
        "alternatives": list(alternatives),
        "citations": [r.id for r in protocol.citations if r.evidence != "unverified"],
    }
    if protocol.status == "unverified":
        document["notice"] = (
            "Unverified protocol: " + protocol.unverified_note + " Treat the point list as a "
            "suggestion to check against your own training, not as the trial's prescription."
        )
    if protocol.retention_minutes is None:
        document["retention_note"] = protocol.retention_note
    document["ashi_points"] = _ashi_points(selection, protocol)
    if course.extension is not None:
        document["extension"] = {
            "extra_sessions": course.extension.extra_sessions,
            "when": course.extension.when,
            "citations": [r.id for r in protocol.citations if r.evidence != "unverified"],
        }
    if selection.assumed_regions:
        document["assumed_regions"] = list(selection.regions)
        assumed = ", ".join(r.replace("_", " ") for r in selection.regions)
        document["why"] += (
            " The pain drawing names no region this protocol treats, so the plan assumes "
            f"the {assumed}: confirm with the patient."
        )
    if sparing and protocol.pools:
        document["why"] += (
            " Needle-sparing: the pools' minimum number of points, because of needle phobia "
            "or a history of fainting."
        )
    low = int(protocol.needles.min)
    if selection.needles < low and modality != AURICULAR:
        document["why"] += (
            f" The protocol asks for at least {low} needles; blocked points leave "
            f"{selection.needles}."
        )
    return document


def _stimulation(protocol: Protocol, modality: str, electro_off: Sequence[str]) -> dict[str, Any]:
    stimulation = protocol.stimulation
    stim: dict[str, Any] = {
        "method": "electro" if modality == ELECTRO else "manual",
        "description": stimulation.description
        if modality != AURICULAR
        else "ear points needled and retained as for body points",
    }
    if modality == ELECTRO:
        stim["frequency_hz"] = [number(f) for f in stimulation.frequency_hz]
        if stimulation.current_ma is not None:
            stim["current_ma"] = {
                "min": stimulation.current_ma.min,
                "max": stimulation.current_ma.max,
            }
        if electro_off:
            stim["no_current_at"] = list(electro_off)
    if modality == MANUAL and stimulation.method == "electro":
        stim["description"] = "manual stimulation to de qi (electrical stimulation ruled out)"
    if stimulation.de_qi is not None:
        stim["de_qi"] = stimulation.de_qi
    return stim


def _ashi_points(selection: Selection, protocol: Protocol) -> dict[str, Any] | None:
    """Tender points found by palpation, when the protocol or the selection has them."""
    if not (selection.ashi_count[1] or (selection.ashi_note and protocol.ashi is not None)):
        return None
    low, high = selection.ashi_count
    return {
        "min": low,
        "max": high,
        "per_session": True,
        "why": (
            f"Tender points found by palpation: {selection.ashi_note}."
            if high
            else selection.ashi_note
        ),
        "citations": [r.id for r in protocol.citations if r.evidence != "unverified"],
    }
