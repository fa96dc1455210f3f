"""What happened to a referral the screening asked for, and how screening and planning
follow it without changing the patient's answers.

A `refer` finding (a red flag such as unexplained weight loss or night pain, or a
same-day concern such as a hot swollen joint) asks for a medical assessment before any
acupuncture, because the flag screens for a serious cause (cancer, infection, fracture,
inflammatory disease) that has to be excluded first (verhagen2016; nice_ng59: exclude
other causes before managing low back pain as non-specific). Once a doctor has assessed
the patient and cleared them for treatment, that purpose is served.

The rule, `referral_clearance@1`:

* Only `refer` findings can be cleared. An `urgent` finding (cauda equina, thunderclap
  headache, …) is an emergency: after it has been dealt with, a new intake records the
  patient as they are then. Fail closed: a cleared `urgent` finding is ignored.
* A cleared finding stays in the screening, with who cleared it and when, but as a
  `note`: it no longer makes the decision a referral. Whatever it blocked stays blocked.
* "Not cleared" changes nothing: the finding still refers, and its outcome is shown.
* The red-flag answers of the intake are never changed; a new intake asks them again and
  needs its own outcome.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from acucare.domain.referral_outcome import (
    CLEARANCE_CITATIONS,
    CLEARANCE_REF,
    CLEARANCE_RULE,
    CLEARANCE_VERSION,
    ReferralOutcome,
)
from acucare.domain.screening import REFERRAL_ORDER, Finding, Screening, decide

__all__ = [
    "CLEARABLE_LEVELS",
    "CLEARANCE_CITATIONS",
    "CLEARANCE_RULE",
    "CLEARANCE_VERSION",
    "ReferralOutcome",
    "apply_referral_outcomes",
    "clear_referrals",
    "follow_referral_outcomes",
]

CLEARABLE_LEVELS: tuple[str, ...] = ("refer",)


def apply_referral_outcomes(
    screening: Mapping[str, Any], outcomes: Mapping[str, ReferralOutcome]
) -> dict[str, Any]:
    """A stored screening document (acucare.screening/1) as the referral outcomes leave it,
    for pages that show a recorded screening. Findings keep their order; the decision and
    the referral are worked out again. `follow_referral_outcomes` does the same for the
    typed screening the planner reads."""
    document = dict(screening)
    findings: list[dict[str, Any]] = []
    applied = False
    for original in screening.get("findings") or ():
        finding = dict(original)
        outcome = outcomes.get(str(finding.get("rule")))
        if outcome is not None and finding.get("level") in CLEARABLE_LEVELS:
            applied = True
            finding["referral_outcome"] = outcome.as_document()
            if outcome.cleared:
                finding["level"] = "note"
                finding["referral"] = "none"
        findings.append(finding)
    if not applied:
        return document
    document["findings"] = findings
    document["decision"] = decide(str(f["level"]) for f in findings)
    document["referral"] = REFERRAL_ORDER[
        max((REFERRAL_ORDER.index(str(f.get("referral", "none"))) for f in findings), default=0)
    ]
    rules = list(document.get("rules_applied") or ())
    document["rules_applied"] = [*rules, CLEARANCE_REF]
    return document


def follow_referral_outcomes(
    screening: Screening, outcomes: Mapping[str, ReferralOutcome]
) -> Screening:
    """The typed screening as the referral outcomes leave it, for the planner: each
    clearable finding carries its outcome, a cleared one becomes a note, and the decision
    and the referral are worked out again. Whatever a finding blocked stays blocked."""
    applied = False
    findings: list[Finding] = []
    for finding in screening.findings:
        outcome = outcomes.get(finding.rule)
        if outcome is not None and finding.level in CLEARABLE_LEVELS:
            applied = True
            finding = dataclasses.replace(finding, referral_outcome=outcome)
            if outcome.cleared:
                finding = dataclasses.replace(finding, level="note", referral="none")
        findings.append(finding)
    if not applied:
        return screening
    return dataclasses.replace(
        _redecided(screening, tuple(findings)),
        later_rules=(*screening.later_rules, CLEARANCE_REF),
    )


def clear_referrals(screening: Screening, cleared: frozenset[str]) -> Screening:
    """The typed screening with the cleared `refer` findings turned into notes, for the
    session check (which screens the intake again). Blocks are kept."""
    if not cleared:
        return screening
    findings = tuple(
        dataclasses.replace(finding, level="note", referral="none")
        if finding.rule in cleared and finding.level in CLEARABLE_LEVELS
        else finding
        for finding in screening.findings
    )
    return _redecided(screening, findings)


def _redecided(screening: Screening, findings: tuple[Finding, ...]) -> Screening:
    """The screening with these findings, its decision and referral worked out again."""
    referral = max((REFERRAL_ORDER.index(f.referral) for f in findings), default=0)
    return dataclasses.replace(
        screening,
        findings=findings,
        decision=decide(f.level for f in findings),
        referral=REFERRAL_ORDER[referral],
    )
