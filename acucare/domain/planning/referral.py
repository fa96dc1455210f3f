"""The referral block of a plan whose screening asks for a medical assessment first."""

from __future__ import annotations

from acucare.domain.planning.blocks import plain
from acucare.domain.planning.parts import Referral
from acucare.domain.screening import Screening

REFERRAL_DECISIONS = ("refer_before_treatment", "urgent_referral")


# The plan's urgency for each screening referral; the most urgent finding decides, and
# nothing here may make it less urgent than the screening said (issue 9, item 14).
URGENCY = {"emergency": "urgent", "same_day": "same_day"}
_OPENING = {
    "urgent": "Urgent medical assessment is needed today",
    "same_day": "A medical assessment is needed the same day, before any acupuncture",
    "before_treatment": "A medical assessment is needed before any acupuncture",
}


def build_referral(screening: Screening) -> Referral:
    """The referral block. ``urgency``: urgent (emergency, today), same_day (acucare's
    addition: a same-day finding such as PHQ-9 item 9 or a hot swollen joint) or
    before_treatment; ``referral`` repeats the screening's own referral value."""
    referral = screening.referral or "none"
    urgency = URGENCY.get(referral, "before_treatment")
    if screening.decision == "urgent_referral":
        urgency = "urgent"
    findings = [f for f in screening.findings if f.level in ("urgent", "refer")]
    reasons = "; ".join(plain(f.message) for f in findings)
    return Referral(
        urgency=urgency,
        referral=referral,
        why=(
            _OPENING[urgency]
            + (f": {reasons}." if reasons else ".")
            + " No acupuncture is planned until the referral has been answered; then screen again."
        ),
        findings=tuple(f.rule for f in findings),
        citations=tuple(dict.fromkeys(c for f in findings for c in f.citations)),
    )
