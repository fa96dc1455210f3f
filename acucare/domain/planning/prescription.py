"""The plan's acupuncture block: the selected points on the protocol's course."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from acucare.domain.planning.first_session import first_session
from acucare.domain.planning.parts import (
    AshiPoints,
    EarAlternative,
    Prescription,
    Stimulation,
)
from acucare.domain.planning.points import (
    Selection,
    Substitution,
)
from acucare.domain.planning.terms import AURICULAR, ELECTRO, MANUAL, number
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.protocols import Protocol


def prescription(
    protocol: Protocol,
    selection: Selection,
    modality: str,
    why: str,
    substitutions: Sequence[Substitution],
    alternatives: Sequence[EarAlternative],
    sparing: bool,
    points: Mapping[str, Acupoint],
    electro_off: Sequence[str],
) -> Prescription:
    """The prescription of the selected points on the protocol's course (an adult's; the
    caller adds the limits, a child's dose and the checks)."""
    course = protocol.course
    cited = tuple(r.id for r in protocol.citations if r.evidence != "unverified")
    notice = None
    if protocol.status == "unverified":
        notice = (
            "Unverified protocol: " + protocol.unverified_note + " Treat the point list as a "
            "suggestion to check against your own training, not as the trial's prescription."
        )
    return Prescription(
        modality=modality,
        style=protocol.style,
        protocol=protocol.ref,
        protocol_name=protocol.name,
        protocol_status=protocol.status,
        why=why + _why_more(protocol, selection, modality, sparing),
        points=tuple(selection.points),
        ashi_points=_ashi_points(selection, protocol),
        needles=selection.needles,
        needle_range=(
            number(protocol.needles.min),
            None if protocol.needles.max is None else number(protocol.needles.max),
        ),
        first_session=first_session(selection, protocol, sparing, points),
        stimulation=_stimulation(protocol, modality, electro_off),
        sessions=course.sessions,
        sessions_per_week=course.sessions_per_week,
        weeks=number(course.weeks),
        schedule=course.schedule,
        retention_minutes=protocol.retention_minutes,
        extension=course.extension,
        substitutions=tuple(substitutions),
        alternatives=tuple(alternatives),
        citations=cited,
        notice=notice,
        retention_note=protocol.retention_note if protocol.retention_minutes is None else None,
        assumed_regions=selection.regions if selection.assumed_regions else None,
    )


def _why_more(protocol: Protocol, selection: Selection, modality: str, sparing: bool) -> str:
    """What the choice of protocol does not say: assumed regions, needle-sparing, and a
    prescription that blocks left short of the protocol's needles."""
    more = ""
    if selection.assumed_regions:
        assumed = ", ".join(r.replace("_", " ") for r in selection.regions)
        more += (
            " The pain drawing names no region this protocol treats, so the plan assumes "
            f"the {assumed}: confirm with the patient."
        )
    if sparing and protocol.pools:
        more += (
            " Needle-sparing: the pools' minimum number of points, because of needle phobia "
            "or a history of fainting."
        )
    low = int(protocol.needles.min)
    if selection.needles < low and modality != AURICULAR:
        more += (
            f" The protocol asks for at least {low} needles; blocked points leave "
            f"{selection.needles}."
        )
    return more


def _stimulation(protocol: Protocol, modality: str, electro_off: Sequence[str]) -> Stimulation:
    stimulation = protocol.stimulation
    description = stimulation.description
    if modality == AURICULAR:
        description = "ear points needled and retained as for body points"
    if modality == MANUAL and stimulation.method == "electro":
        description = "manual stimulation to de qi (electrical stimulation ruled out)"
    if modality != ELECTRO:
        return Stimulation("manual", description, de_qi=stimulation.de_qi)
    current = stimulation.current_ma
    return Stimulation(
        "electro",
        description,
        frequency_hz=tuple(number(f) for f in stimulation.frequency_hz),
        current_ma=None if current is None else (current.min, current.max),
        no_current_at=tuple(electro_off),
        de_qi=stimulation.de_qi,
    )


def _ashi_points(selection: Selection, protocol: Protocol) -> AshiPoints | None:
    """Tender points found by palpation, when the protocol or the selection has them."""
    if not (selection.ashi_count[1] or (selection.ashi_note and protocol.ashi is not None)):
        return None
    low, high = selection.ashi_count
    return AshiPoints(
        min=low,
        max=high,
        why=(
            f"Tender points found by palpation: {selection.ashi_note}."
            if high
            else selection.ashi_note
        ),
        citations=tuple(r.id for r in protocol.citations if r.evidence != "unverified"),
    )
