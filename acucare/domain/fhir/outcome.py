"""FHIR's error resource, stated once: the FHIR endpoints answer every refusal and error
with it, and so do the security middleware that run before them (an ended session, a
clinic that requires two-factor authentication, a patient's portal account)."""

from __future__ import annotations

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
# The FHIR RESTful API's answers live under this path (acucare/fhir/urls.py).
FHIR_PATH = "/fhir/r4/"


def operation_outcome(code: str, diagnostics: str) -> dict[str, object]:
    """An OperationOutcome with one error issue; `code` is from FHIR's issue-type value
    set (login, forbidden, not-found, required, not-supported, …)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
