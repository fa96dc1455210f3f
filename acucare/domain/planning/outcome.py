"""The expected outcome: what the evidence says, in plain words, with every source.

Read from the condition record (plain-language summary, pooled effects, responder figures,
persistence, guideline positions) and from the protocol's own trial results. Guideline
positions are reported as the bodies state them, including "do not offer".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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


def _ids(refs: Iterable[CitationRef]) -> list[str]:
    return list(dict.fromkeys(ref.id for ref in refs if ref.evidence != "unverified"))


def _number(value: float) -> str:
    return f"{value:g}"


def expected_outcome(condition: Condition | None, protocol: Protocol | None) -> dict[str, Any]:  # noqa: C901 - one loop per kind of evidence statement, in document order
    statements: list[dict[str, Any]] = []
    guidelines: list[dict[str, Any]] = []
    summary = "No evidence summary is available for this diagnosis in the knowledge base."
    if condition is not None:
        evidence = condition.evidence
        plain = evidence.plain_language
        if plain.status == "active" and acts_on(plain.citations):
            summary = plain.text
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
            statements.append(
                {
                    "kind": "effect",
                    "comparison": comparison,
                    "text": (
                        f"Against {COMPARISONS[comparison]}: pain {about}{_number(effect.estimate)}"
                        f" standard deviations lower{interval}, in {effect.population}"
                        f" ({effect.timepoint})."
                    ),
                    "citations": _ids(effect.citations),
                }
            )
        for responders in evidence.responders:
            if responders.status != "active" or not acts_on(responders.citations):
                continue
            statements.append(
                {
                    "kind": "responders",
                    "comparison": responders.comparison,
                    "text": (
                        f"{_number(responders.acupuncture_per_100)} in 100 people improved "
                        f"({responders.definition}) with acupuncture, against "
                        f"{_number(responders.control_per_100)} in 100 with "
                        f"{COMPARISONS[responders.comparison]}, at {responders.timepoint}."
                    ),
                    "citations": _ids(responders.citations),
                }
            )
        for lasting in evidence.persistence:
            if lasting.status != "active" or not acts_on(lasting.citations):
                continue
            if lasting.retained_at_12_months_percent is None:
                continue
            statements.append(
                {
                    "kind": "persistence",
                    "comparison": lasting.comparison,
                    "text": (
                        f"About {_number(lasting.retained_at_12_months_percent)} % of the advantage"
                        f" over {COMPARISONS[lasting.comparison]} was still there 12 months after"
                        " the course."
                    ),
                    "citations": _ids(lasting.citations),
                }
            )
        for position in condition.guidelines:
            if position.status != "active" or not acts_on(position.citations):
                continue
            entry: dict[str, Any] = {
                "body": position.body,
                "jurisdiction": position.jurisdiction,
                "guideline": position.guideline,
                "year": position.year,
                "position": position.position,
                "text": f"{position.body} ({position.guideline}) {POSITIONS[position.position]}.",
                "detail": position.detail,
                "citations": _ids(position.citations),
            }
            if position.currency_note:
                entry["currency_note"] = position.currency_note
            guidelines.append(entry)
    if protocol is not None:
        for finding in protocol.findings:
            if not acts_on(finding.citations):
                continue
            statements.append(
                {
                    "kind": "trial",
                    "comparison": None,
                    "text": finding.statement,
                    "citations": _ids(finding.citations),
                }
            )
    against = [
        g["text"] for g in guidelines if g["position"] in ("do_not_offer", "not_recommended")
    ]
    if against:
        summary += " Note: " + " ".join(against)
    cited: list[str] = []
    for part in (*statements, *guidelines):
        cited.extend(part["citations"])
    if condition is not None:
        cited.extend(_ids(condition.evidence.plain_language.citations))
    return {
        "summary": summary,
        "statements": statements,
        "guidelines": guidelines,
        "citations": list(dict.fromkeys(cited)),
    }
