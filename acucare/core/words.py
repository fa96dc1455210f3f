"""Stored values in the words people use. Records keep their identifiers
(`stainless_steel`, `sought_obtained`, `unremitting_night_pain`); pages show words
("Stainless steel", "Sought and obtained", "Unremitting night pain"). A test scans
every rendered page for snake_case identifiers (tests/workflow/test_words_not_identifiers.py,
and in the browser tests/browser/test_every_page.py)."""

from __future__ import annotations

import re

# Where turning underscores into spaces is not enough.
LABELS: dict[str, str] = {
    "sought_obtained": "Sought and obtained",
    "sought_not_obtained": "Sought, not obtained",
    "not_sought": "Not sought",
    "stainless_steel": "Stainless steel",
    "manual_acupuncture": "Manual acupuncture",
    "auricular_acupuncture": "Auricular (ear) acupuncture",
    "wrist_hand": "Wrist and hand",
    "ankle_foot": "Ankle and foot",
    "did_not_attend": "Did not attend",
    "on_hold": "On hold",
    "refer_before_treatment": "Refer before treatment",
    "urgent_referral": "Urgent referral",
    "proceed_with_precautions": "Proceed with precautions",
    "same_day": "Same day",
    "practitioner_profile": "Practitioner credentials",
    "api_token": "API token",
    "audit_log": "Audit log",
    "treatment_plan": "Care plan",
    "treatment_session": "Session",
    "finding_acknowledgement": "Finding acknowledgement",
    "referral_outcome": "Referral outcome",
    "login_failed": "Failed sign-in",
    "login_locked": "Sign-in refused (locked)",
    "two_factor": "Two-factor change",
    "token_create": "API token created",
    "token_revoke": "API token revoked",
}
# `brinkhaus2006_art@1`, `protocols/brinkhaus2006_art@1`, `layer:coverage_limits@1`
_VERSIONED = re.compile(r"^(?:[a-z_]+[/:])?(?P<id>[a-z][a-z0-9_]*)@(?P<version>\d+)$")


def words(value: object) -> str:
    """`value` as words: a known label, else underscores as spaces with a capital
    first letter. A versioned id (`brinkhaus2006_art@1`) loses its version."""
    if value is None:
        return ""
    text = str(value)
    versioned = _VERSIONED.match(text)
    if versioned:
        text = versioned.group("id")
    if text in LABELS:
        return LABELS[text]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        return text  # already words (or a code such as BL23)
    spaced = text.replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def is_identifier(text: str) -> bool:
    """Whether `text` is one snake_case identifier with an underscore ("stainless_steel"),
    not words or a code (BL23, EX_B2)."""
    return _SNAKE.fullmatch(text) is not None


_ECHO = re.compile(r"\s*\((?P<id>[a-z][a-z0-9]*(?:_[a-z0-9]+)+)\)")


def prose(value: object) -> str:
    """Generated text with the identifiers it quotes put into words: "chronic low back
    pain (chronic_low_back_pain)" loses the echo, "see coverage_limits" reads "see
    coverage limits"."""
    text = _ECHO.sub("", str(value or ""))
    return _SNAKE.sub(lambda m: words(m.group(0)).lower(), text)
