"""What the screening and intake pages show, built from stored documents and the
knowledge base (no queries, no writes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from acucare.assessments.models import ACKNOWLEDGED_LEVELS, Assessment, FindingAcknowledgement
from acucare.assessments.questions import LEVEL_LABELS, REFERRAL_LABELS
from acucare.domain import referrals
from acucare.domain.errors import InputError
from acucare.domain.scoring import ScoreResult, score
from acucare.kb import registry
from acucare.kb.records.citations import Citation
from acucare.kb.records.instruments import Instrument

_SEVERITY = {level: rank for rank, level in enumerate(("urgent", "refer", "block", "warn", "note"))}


@dataclass(frozen=True)
class CitationView:
    id: str
    authors: str
    year: int | None
    title: str
    url: str

    @property
    def text(self) -> str:
        if self.year is None:
            return self.id
        return f"{self.authors} ({self.year}). {self.title}"


@dataclass(frozen=True)
class FindingView:
    rule: str
    version: int
    level: str
    level_label: str
    message: str
    rationale: str
    action: str
    referral: str
    referral_label: str
    citations: list[CitationView]
    blocks: Mapping[str, Any]
    needs_acknowledgement: bool
    acknowledgement: FindingAcknowledgement | None = None
    # A `refer` finding's referral can be answered (acucare.domain.referrals).
    clearable: bool = False
    outcome: referrals.ReferralOutcome | None = None


def resolve_citation(citation_id: str) -> CitationView:
    record = registry().of(Citation).get(citation_id)
    if record is None:  # a stored screening citing a source since removed
        return CitationView(citation_id, "", None, "", "")
    url = record.url or (f"https://doi.org/{record.doi}" if record.doi else "")
    if not url and record.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/"
    return CitationView(record.id, record.authors, record.year, record.title, url)


def finding_views(
    assessment: Assessment, outcomes: Mapping[str, referrals.ReferralOutcome] | None = None
) -> list[FindingView]:
    """Every finding, most severe first, with its sources, acknowledgement and the
    outcome of its referral."""
    acknowledged = {a.rule: a for a in assessment.acknowledgements.all()}
    outcomes = outcomes or {}
    views = [
        FindingView(
            rule=str(f["rule"]),
            version=int(f.get("version", 0)),
            level=str(f["level"]),
            level_label=LEVEL_LABELS.get(str(f["level"]), str(f["level"])),
            message=str(f["message"]),
            rationale=str(f.get("rationale", "")),
            action=str(f.get("action", "")),
            referral=str(f.get("referral", "none")),
            referral_label=REFERRAL_LABELS.get(str(f.get("referral")), str(f.get("referral"))),
            citations=[resolve_citation(str(c)) for c in f.get("citations", [])],
            blocks=f.get("blocks", {}),
            needs_acknowledgement=f["level"] in ACKNOWLEDGED_LEVELS,
            acknowledgement=acknowledged.get(str(f["rule"])),
            clearable=f["level"] in referrals.CLEARABLE_LEVELS,
            outcome=outcomes.get(str(f["rule"]))
            if f["level"] in referrals.CLEARABLE_LEVELS
            else None,
        )
        for f in assessment.findings
    ]
    views.sort(key=lambda v: _SEVERITY.get(v.level, len(_SEVERITY)))
    return views


@dataclass(frozen=True)
class ScoreView:
    instrument: Instrument
    result: ScoreResult | None
    error: str = ""
    flags: list[Any] = field(default_factory=list)

    @property
    def band_label(self) -> str:
        return (self.result.band_label or self.result.band or "") if self.result else ""


def score_view(instrument_id: str, answers: Mapping[str, object]) -> ScoreView | None:
    """A questionnaire's live score, or the reason it cannot be scored."""
    instrument = registry().of(Instrument).get(instrument_id)
    if instrument is None:
        return None
    try:
        result = score(registry(), instrument_id, answers, field=f"questionnaires.{instrument_id}")
    except InputError as error:
        return ScoreView(instrument, None, error.message)
    return ScoreView(instrument, result, flags=list(result.flags))


def intake_scores(intake_document: Mapping[str, Any]) -> list[ScoreView]:
    """The scores of the questionnaires of a stored intake."""
    views = []
    for instrument_id, answers in intake_document.get("questionnaires", {}).items():
        view = score_view(instrument_id, answers)
        if view is not None:
            views.append(view)
    return views
