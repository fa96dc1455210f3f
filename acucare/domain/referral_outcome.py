"""What a doctor answered to the referral one screening finding asked for (the rule,
`referral_clearance@1`, is described in `acucare.domain.referrals`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CLEARANCE_RULE = "referral_clearance"
CLEARANCE_VERSION = 1
CLEARANCE_REF = f"{CLEARANCE_RULE}@{CLEARANCE_VERSION}"
CLEARANCE_CITATIONS: tuple[str, ...] = ("verhagen2016", "nice_ng59")


@dataclass(frozen=True)
class ReferralOutcome:
    """The answer to the referral one finding asked for."""

    rule: str
    cleared: bool
    clinician: str  # who assessed the patient, e.g. "Dr A Patel, GP"
    decided_on: dt.date
    note: str = ""

    def as_document(self) -> dict[str, object]:
        return {
            "outcome": "cleared" if self.cleared else "not_cleared",
            "clinician": self.clinician,
            "decided_on": self.decided_on.isoformat(),
            "note": self.note,
            "rule": CLEARANCE_REF,
            "citations": list(CLEARANCE_CITATIONS),
        }
