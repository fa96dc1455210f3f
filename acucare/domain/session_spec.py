"""A session as it is asked for: its modality, points, electroacupuncture pairs, technique.

The typed form of the session document (spec: session check) inside the core. The edges
read a document into it (`acucare.domain.session_document`); the planner builds one
directly. `acucare.domain.session_check.build_session` resolves it against the knowledge
base into the needles the rules are checked against.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PointSpec:
    """One point of the session, or one electrode of a pair (no depth or angle of its own)."""

    code: str  # as written: a WHO code or an alias the knowledge base resolves
    side: str  # left, right, bilateral or midline
    level: str | None = None  # spinal level, for points coded by level (EX-B2)
    depth: str | None = None
    angle: str | None = None
    depth_mm: float | None = None  # as recorded; the check classes it against the point


@dataclass(frozen=True, slots=True)
class SessionSpec:
    modality: str
    points: tuple[PointSpec, ...] = ()
    electro_pairs: tuple[tuple[PointSpec, PointSpec], ...] = ()
    electro_intensity: str | None = None
    cupping_kind: str | None = None
