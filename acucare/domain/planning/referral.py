"""The referral block of a plan whose screening asks for a medical assessment first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acucare.domain.planning.blocks import plain

REFERRAL_DECISIONS = ("refer_before_treatment", "urgent_referral")


def build_referral(screening: Mapping[str, Any]) -> dict[str, Any]:
    urgent = screening.get("decision") == "urgent_referral"
    findings = [f for f in screening.get("findings") or () if f.get("level") in ("urgent", "refer")]
    reasons = "; ".join(plain(str(f.get("message", ""))) for f in findings)
    return {
        "urgency": "urgent" if urgent else "before_treatment",
        "why": (
            (
                "Urgent medical assessment is needed today"
                if urgent
                else "A medical assessment is needed before any acupuncture"
            )
            + (f": {reasons}." if reasons else ".")
            + " No acupuncture is planned until the referral has been answered; then screen again."
        ),
        "findings": [str(f.get("rule", "")) for f in findings],
        "citations": list(dict.fromkeys(str(c) for f in findings for c in f.get("citations", ()))),
    }
