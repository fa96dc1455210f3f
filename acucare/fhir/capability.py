"""The server's CapabilityStatement (`/fhir/r4/metadata`)."""

from __future__ import annotations

from acucare.domain.fhir.codes import FHIR_VERSION
from acucare.fhir.mapping import Resource

# The resource types an export or `$everything` may contain (docs/fhir.md).
RECORD_TYPES = (
    "Patient",
    "Practitioner",
    "EpisodeOfCare",
    "Condition",
    "CarePlan",
    "Encounter",
    "Procedure",
    "Observation",
    "QuestionnaireResponse",
    "MedicationStatement",
    "AdverseEvent",
    "DocumentReference",
)


def capability_statement(base_url: str) -> Resource:
    read_only = [{"code": "read"}]
    return {
        "resourceType": "CapabilityStatement",
        "id": "acucare",
        "status": "active",
        "date": "2026-12-05",
        "publisher": "acucare",
        "kind": "instance",
        "software": {"name": "acucare"},
        "implementation": {"description": "acucare clinic record (read-only)", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Authenticate with a personal access token "
                    "(Authorization: Bearer acu_…) or the browser session; a patient you "
                    "may not see is 404, clinical content your role may not see is 403."
                ),
                "security": {
                    "service": [{"text": "Bearer token (personal access token)"}],
                    "description": "The API's personal access tokens and access rules.",
                },
                "resource": [
                    {
                        "type": "Patient",
                        "interaction": read_only,
                        "operation": [
                            {
                                "name": "everything",
                                "definition": "http://hl7.org/fhir/OperationDefinition/"
                                "Patient-everything",
                            }
                        ],
                    },
                    {
                        "type": "Observation",
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [
                            {"name": "patient", "type": "reference", "documentation": "required"}
                        ],
                    },
                    {"type": "Questionnaire", "interaction": read_only},
                ],
            }
        ],
    }
