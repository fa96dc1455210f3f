"""The expected outcome: what the evidence says, in plain words, with every source.

Read from the condition record (plain-language summary, pooled effects, responder figures,
persistence, guideline positions) and from the protocol's own trial results. Guideline
positions are reported as the bodies state them, including "do not offer".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from acucare.domain.planning.parts import ExpectedOutcome, GuidelinePosition, Statement
from acucare.kb.records.base import CitationRef, acts_on
from acucare.kb.records.conditions import Comparison, Condition
from acucare.kb.records.protocols import Protocol

COMPARISONS = {
    "sham": "sham (pretend) acupuncture",
    "no_acupuncture": "no acupuncture (usual care or waiting list)",
    "usual_care": "usual care alone",
    "conventional_drugs": "drug treatment without acupuncture",
}
POSITIONS = {
    "recommend": "recommends acupuncture",
    "consider": "says acupuncture may be considered",
    "conditional": "makes a conditional recommendation for acupuncture",
    "do_not_offer": "advises NOT offering acupuncture",
    "not_recommended": "does not recommend acupuncture",
    "covered": "covers acupuncture",
    "not_covered": "does not cover acupuncture",
    "no_position_located": "has no position on acupuncture that we could locate",
}


def _ids(refs: Iterable[CitationRef]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ref.id for ref in refs if ref.evidence != "unverified"))


def _number(value: float) -> str:
    return f"{value:g}"


def expected_outcome(condition: Condition | None, protocol: Protocol | None) -> ExpectedOutcome:
    statements: list[Statement] = []
    guidelines: list[GuidelinePosition] = []
    summary = "No evidence summary is available for this diagnosis in the knowledge base."
    if condition is not None:
        plain = condition.evidence.plain_language
        if plain.status == "active" and acts_on(plain.citations):
            summary = plain.text
        statements.extend(_effects(condition))
        statements.extend(_responders(condition))
        statements.extend(_persistence(condition))
        guidelines.extend(_guidelines(condition))
    if protocol is not None:
        statements.extend(_trial_findings(protocol))
    against = [g.text for g in guidelines if g.position in ("do_not_offer", "not_recommended")]
    if against:
        summary += " Note: " + " ".join(against)
    cited: list[str] = []
    for statement in statements:
        cited.extend(statement.citations)
    for guideline in guidelines:
        cited.extend(guideline.citations)
    if condition is not None:
        cited.extend(_ids(condition.evidence.plain_language.citations))
    return ExpectedOutcome(
        summary, tuple(statements), tuple(guidelines), tuple(dict.fromkeys(cited))
    )


def _effects(condition: Condition) -> Iterator[Statement]:
    """The headline effect against each comparison, in the order of COMPARISONS."""
    comparisons: tuple[Comparison, ...] = ("no_acupuncture", "usual_care", "sham")
    for comparison in comparisons:
        effect = condition.headline_effect(comparison)
        if effect is None:
            continue
        interval = (
            f" (95 % CI {_number(effect.ci95[0])} to {_number(effect.ci95[1])})"
            if effect.ci95 is not None
            else ""
        )
        about = "about " if effect.approximate else ""
        yield Statement(
            kind="effect",
            comparison=comparison,
            text=(
                f"Against {COMPARISONS[comparison]}: pain {about}{_number(effect.estimate)}"
                f" standard deviations lower{interval}, in {effect.population}"
                f" ({effect.timepoint})."
            ),
            citations=_ids(effect.citations),
        )


def _responders(condition: Condition) -> Iterator[Statement]:
    for responders in condition.evidence.responders:
        if responders.status != "active" or not acts_on(responders.citations):
            continue
        yield Statement(
            kind="responders",
            comparison=responders.comparison,
            text=(
                f"{_number(responders.acupuncture_per_100)} in 100 people improved "
                f"({responders.definition}) with acupuncture, against "
                f"{_number(responders.control_per_100)} in 100 with "
                f"{COMPARISONS[responders.comparison]}, at {responders.timepoint}."
            ),
            citations=_ids(responders.citations),
        )


def _persistence(condition: Condition) -> Iterator[Statement]:
    for lasting in condition.evidence.persistence:
        if lasting.status != "active" or not acts_on(lasting.citations):
            continue
        if lasting.retained_at_12_months_percent is None:
            continue
        yield Statement(
            kind="persistence",
            comparison=lasting.comparison,
            text=(
                f"About {_number(lasting.retained_at_12_months_percent)} % of the advantage"
                f" over {COMPARISONS[lasting.comparison]} was still there 12 months after"
                " the course."
            ),
            citations=_ids(lasting.citations),
        )


def _guidelines(condition: Condition) -> Iterator[GuidelinePosition]:
    for position in condition.guidelines:
        if position.status != "active" or not acts_on(position.citations):
            continue
        yield GuidelinePosition(
            body=position.body,
            jurisdiction=position.jurisdiction,
            guideline=position.guideline,
            year=position.year,
            position=position.position,
            text=f"{position.body} ({position.guideline}) {POSITIONS[position.position]}.",
            detail=position.detail,
            citations=_ids(position.citations),
            currency_note=position.currency_note,
        )


def _trial_findings(protocol: Protocol) -> Iterator[Statement]:
    for finding in protocol.findings:
        if not acts_on(finding.citations):
            continue
        yield Statement(
            kind="trial",
            comparison=None,
            text=finding.statement,
            citations=_ids(finding.citations),
        )
