"""The parts of a plan as frozen values; each `as_document()` writes its part of the
``acucare.plan/1`` document, key for key in the order the contract's examples show.

The planner builds these and nothing reads JSON back inside the core: the session check
reads the `Prescription` (`planned_session`), and only `Plan.as_document()` (called at
the edges: the command line, the Django services, the benches) writes the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from acucare.domain.planning.points import PlannedPoint, Substitution
from acucare.domain.screening import Finding
from acucare.kb.records.protocols import Extension
from acucare.kb.records.safety_rules import SafetyIndex

# A part of the document, as `json.dumps` writes it.
JSONObject: TypeAlias = dict[str, object]
ElectroPair: TypeAlias = tuple[tuple[str, str], tuple[str, str]]  # ((code, side), (code, side))


@dataclass(frozen=True)
class Statement:
    """One statement of the evidence, as the plan's `expected_outcome.statements` lists it."""

    kind: str  # effect, responders, persistence or trial
    comparison: str | None
    text: str
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "kind": self.kind,
            "comparison": self.comparison,
            "text": self.text,
            "citations": list(self.citations),
        }


@dataclass(frozen=True)
class GuidelinePosition:
    """One guideline's position, as `expected_outcome.guidelines` lists it."""

    body: str
    jurisdiction: str
    guideline: str
    year: int
    position: str
    text: str
    detail: str
    citations: tuple[str, ...]
    currency_note: str = ""  # how current the guideline is, when that needs saying

    def as_document(self) -> JSONObject:
        document: JSONObject = {
            "body": self.body,
            "jurisdiction": self.jurisdiction,
            "guideline": self.guideline,
            "year": self.year,
            "position": self.position,
            "text": self.text,
            "detail": self.detail,
            "citations": list(self.citations),
        }
        if self.currency_note:
            document["currency_note"] = self.currency_note
        return document


def _texts(values: tuple[str, ...]) -> list[str]:
    return list(values)


@dataclass(frozen=True)
class ConditionBlock:
    """The diagnosis, its condition group and whether the pain is chronic."""

    icd10: str
    group: str | None
    name: str | None
    chronic: bool | None
    duration_weeks: float | None
    why: str
    citations: tuple[str, ...]
    record: str | None  # the condition record's id@version, when there is one

    def as_document(self) -> JSONObject:
        document: JSONObject = {
            "icd10": self.icd10,
            "group": self.group,
            "name": self.name,
            "chronic": self.chronic,
            "duration_weeks": self.duration_weeks,
            "why": self.why,
            "citations": _texts(self.citations),
        }
        if self.record is not None:
            document["condition"] = self.record
        return document


@dataclass(frozen=True)
class Referral:
    """Why the patient sees a doctor before any acupuncture, and how soon."""

    urgency: str
    referral: str
    why: str
    findings: tuple[str, ...]
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "urgency": self.urgency,
            "referral": self.referral,
            "why": self.why,
            "findings": _texts(self.findings),
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class CannotStart:
    """Why no treatment can start, and which findings and refusals say so."""

    why: str
    findings: tuple[str, ...]
    declined_modalities: tuple[str, ...]
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "why": self.why,
            "findings": _texts(self.findings),
            "declined_modalities": _texts(self.declined_modalities),
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class ExpectedOutcome:
    """What the evidence says the patient may expect."""

    summary: str
    statements: tuple[Statement, ...]
    guidelines: tuple[GuidelinePosition, ...]
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "summary": self.summary,
            "statements": [s.as_document() for s in self.statements],
            "guidelines": [g.as_document() for g in self.guidelines],
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class Review:
    """One review of the course: when, what counts as success, and what to do if not.

    A coverage limit (``kind`` ``coverage_limit``) says whom it applies to and measures
    nothing; a response or course-end review names the measure, its baseline and target.
    """

    after_session: int
    kind: str
    instrument: str | None
    success: str
    if_not_met: str
    why: str
    citations: tuple[str, ...]
    measure: str | None = None
    baseline: float | None = None
    target: float | None = None
    applies_if: str | None = None
    if_partly_met: str | None = None

    def as_document(self) -> JSONObject:
        document: JSONObject = {"after_session": self.after_session, "kind": self.kind}
        if self.kind == "coverage_limit":
            document["applies_if"] = self.applies_if
            document["instrument"] = self.instrument
        else:
            document["instrument"] = self.instrument
            document["measure"] = self.measure
            document["baseline"] = self.baseline
            document["target"] = self.target
        document["success"] = self.success
        document["if_not_met"] = self.if_not_met
        document["why"] = self.why
        document["citations"] = _texts(self.citations)
        if self.if_partly_met is not None:
            document["if_partly_met"] = self.if_partly_met
        return document


@dataclass(frozen=True)
class FirstSession:
    points: tuple[tuple[str, str], ...]  # (code, side)
    needles: int
    why: str
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "points": [{"code": code, "side": side} for code, side in self.points],
            "needles": self.needles,
            "why": self.why,
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class Stimulation:
    """How the needles are stimulated; the electrical settings only for electroacupuncture."""

    method: Literal["electro", "manual"]
    description: str
    frequency_hz: tuple[int | float, ...] | None = None  # None: not electroacupuncture
    current_ma: tuple[float, float | None] | None = None
    no_current_at: tuple[str, ...] = ()
    de_qi: bool | None = None

    def as_document(self) -> JSONObject:
        document: JSONObject = {"method": self.method, "description": self.description}
        if self.frequency_hz is not None:
            document["frequency_hz"] = list(self.frequency_hz)
            if self.current_ma is not None:
                low, high = self.current_ma
                document["current_ma"] = {"min": low, "max": high}
            if self.no_current_at:
                document["no_current_at"] = _texts(self.no_current_at)
        if self.de_qi is not None:
            document["de_qi"] = self.de_qi
        return document


@dataclass(frozen=True)
class AshiPoints:
    """Tender points found by palpation at each session."""

    min: int
    max: int
    why: str
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "min": self.min,
            "max": self.max,
            "per_session": True,
            "why": self.why,
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class Paediatric:
    """For a child: why the adult trial's course is not applied, and what it was."""

    why: str
    adult_sessions: int
    adult_weeks: int | float
    adult_retention_minutes: int | None
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "why": self.why,
            "adult_course": {
                "sessions": self.adult_sessions,
                "weeks": self.adult_weeks,
                "retention_minutes": self.adult_retention_minutes,
            },
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class TechniqueLimit:
    """A needling technique the screening rules out, everywhere (`points` None) or at some
    of the planned points."""

    technique: str
    limit: str
    points: tuple[str, ...] | None
    why: str
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "technique": self.technique,
            "limit": self.limit,
            "points": "all" if self.points is None else _texts(self.points),
            "why": self.why,
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class GuidelineCourse:
    """The protocol's course beside the course one guideline speaks of."""

    guideline: str
    jurisdiction: str
    within: bool
    text: str
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "guideline": self.guideline,
            "jurisdiction": self.jurisdiction,
            "within": self.within,
            "text": self.text,
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class EarAlternative:
    """Ear acupuncture offered beside the prescription when body points were lost."""

    modality: str
    why: str
    status: str
    notice: str
    points: tuple[PlannedPoint, ...]
    citations: tuple[str, ...]

    def as_document(self) -> JSONObject:
        return {
            "modality": self.modality,
            "why": self.why,
            "status": self.status,
            "notice": self.notice,
            "points": [p.as_document() for p in self.points],
            "citations": _texts(self.citations),
        }


@dataclass(frozen=True)
class PlannedCheck:
    """The planned first session as `acucare check-session` judged it."""

    allowed: bool
    why: str
    findings: tuple[Finding, ...]
    index: SafetyIndex

    def as_document(self) -> JSONObject:
        return {
            "allowed": self.allowed,
            "why": self.why,
            "findings": [{**f.as_document(self.index), "scope": "session"} for f in self.findings],
            "rules_applied": [f.ref for f in self.findings],
        }


@dataclass(frozen=True)
class Prescription:
    """The acupuncture block: protocol, modality, points, dose, limits and checks."""

    modality: str
    style: str
    protocol: str  # id@version
    protocol_name: str
    protocol_status: str
    why: str
    points: tuple[PlannedPoint, ...]
    ashi_points: AshiPoints | None
    needles: int
    needle_range: tuple[int | float, int | float | None]
    first_session: FirstSession
    stimulation: Stimulation
    sessions: int | None
    sessions_per_week: float | None
    weeks: int | float
    schedule: str
    retention_minutes: int | None
    extension: Extension | None  # the trial's, on the trial's sources
    substitutions: tuple[Substitution, ...]
    alternatives: tuple[EarAlternative, ...]
    citations: tuple[str, ...]
    notice: str | None = None  # an unverified protocol
    retention_note: str | None = None
    assumed_regions: tuple[str, ...] | None = None
    technique_limits: tuple[TechniqueLimit, ...] = ()
    paediatric: Paediatric | None = None
    guideline_courses: tuple[GuidelineCourse, ...] = ()
    electro_pairs: tuple[ElectroPair, ...] | None = None  # None: not electroacupuncture
    electro_pairs_why: str = ""
    session_check: PlannedCheck | None = None

    def as_document(self) -> JSONObject:
        low, high = self.needle_range
        document: JSONObject = {
            "modality": self.modality,
            "style": self.style,
            "protocol": self.protocol,
            "protocol_name": self.protocol_name,
            "protocol_status": self.protocol_status,
            "why": self.why,
            "points": [p.as_document() for p in self.points],
            "ashi_points": None if self.ashi_points is None else self.ashi_points.as_document(),
            "needles": self.needles,
            "needle_range": {"min": low, "max": high},
            "first_session": self.first_session.as_document(),
            "stimulation": self.stimulation.as_document(),
            "sessions": self.sessions,
            "sessions_per_week": self.sessions_per_week,
            "weeks": self.weeks,
            "schedule": self.schedule,
            "retention_minutes": self.retention_minutes,
            "extension": None
            if self.extension is None
            else {
                "extra_sessions": self.extension.extra_sessions,
                "when": self.extension.when,
                "citations": _texts(self.citations),
            },
            "substitutions": [s.as_document() for s in self.substitutions],
            "alternatives": [a.as_document() for a in self.alternatives],
            "citations": _texts(self.citations),
        }
        if self.notice is not None:
            document["notice"] = self.notice
        # A child's retention note replaces the trial's where the trial had one, and
        # follows the paediatric block where the trial gave a retention time instead.
        late_note = self.paediatric is not None and self.paediatric.adult_retention_minutes
        if self.retention_note is not None and not late_note:
            document["retention_note"] = self.retention_note
        if self.assumed_regions is not None:
            document["assumed_regions"] = _texts(self.assumed_regions)
        if self.technique_limits:
            document["technique_limits"] = [t.as_document() for t in self.technique_limits]
        if self.paediatric is not None:
            document["paediatric"] = self.paediatric.as_document()
            if late_note:
                document["retention_note"] = self.retention_note
        document["guideline_courses"] = [g.as_document() for g in self.guideline_courses]
        if self.electro_pairs is not None:
            document["electro_pairs"] = [
                [{"code": code, "side": side} for code, side in pair] for pair in self.electro_pairs
            ]
            document["electro_pairs_why"] = self.electro_pairs_why
        if self.session_check is not None:
            document["session_check"] = self.session_check.as_document()
        return document
