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
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acucare.domain.screening import REFERRAL_ORDER, Screening, decide

CLEARANCE_RULE = "referral_clearance"
CLEARANCE_VERSION = 1
CLEARANCE_CITATIONS: tuple[str, ...] = ("verhagen2016", "nice_ng59")
CLEARABLE_LEVELS: tuple[str, ...] = ("refer",)


@dataclass(frozen=True)
class ReferralOutcome:
    """The answer to the referral one finding asked for."""

    rule: str
    cleared: bool
    clinician: str  # who assessed the patient, e.g. "Dr A Patel, GP"
    decided_on: dt.date
    note: str = ""

    def as_document(self) -> dict[str, Any]:
        return {
            "outcome": "cleared" if self.cleared else "not_cleared",
            "clinician": self.clinician,
            "decided_on": self.decided_on.isoformat(),
            "note": self.note,
            "rule": f"{CLEARANCE_RULE}@{CLEARANCE_VERSION}",
            "citations": list(CLEARANCE_CITATIONS),
        }


def apply_referral_outcomes(
    screening: Mapping[str, Any], outcomes: Mapping[str, ReferralOutcome]
) -> dict[str, Any]:
    """The screening document (acucare.screening/1) as the referral outcomes leave it.
    Findings keep their order; the decision and the referral are worked out again."""
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
    document["rules_applied"] = [*rules, f"{CLEARANCE_RULE}@{CLEARANCE_VERSION}"]
    return document


@dataclass(frozen=True)
class ScreeningWithOutcomes:
    """A screening with its referral outcomes applied, for `plan()` (which reads only
    the document)."""

    document: Mapping[str, Any]

    def as_document(self) -> dict[str, Any]:
        return dict(self.document)


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
    referral = max((REFERRAL_ORDER.index(f.referral) for f in findings), default=0)
    return dataclasses.replace(
        screening,
        findings=findings,
        decision=decide(f.level for f in findings),
        referral=REFERRAL_ORDER[referral],
    )
