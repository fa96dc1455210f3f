"""Code systems, codes and the project's FHIR names, each stated once (docs/fhir.md).

Clinical codes come from public code systems and carry the citation id that verified
them; instrument LOINC codes live with the instrument in the knowledge base
(`Instrument.loinc`), so only the codes that belong to no instrument are here.
"""

from __future__ import annotations

from dataclasses import dataclass

FHIR_VERSION = "4.3.0"  # R4B, the models the tests validate against (fhir.resources.R4B)

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ADVERSE_EVENT_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"

# The project's own names. `.example` is a reserved top-level domain (RFC 2606), so these
# identifiers can never collide with a real site's; they are names, not addresses.
BASE = "https://acucare.example/fhir"
QUESTIONNAIRE_BASE = f"{BASE}/Questionnaire"
INSTRUMENT_CODES = f"{BASE}/CodeSystem/instrument"  # instrument ids, where LOINC has none
ACUPOINTS = f"{BASE}/CodeSystem/who-acupoint"  # WHO standard point codes (LI4, EX-B2)
MODALITIES = f"{BASE}/CodeSystem/modality"  # the intake's modality ids
ADVERSE_EVENT_TYPES = f"{BASE}/CodeSystem/adverse-event-type"
# The portal diary's own measures (pain has LOINC 72514-3; sleep and the day's MME have
# no verified code, so they are coded here): `sleep-hours`, `sleep-quality`, `mme-per-day`.
DIARY = f"{BASE}/CodeSystem/diary"
OPIOIDS = f"{BASE}/CodeSystem/opioid"  # the opioid conversion table's ids (`oxycodone`)
DOCUMENT_KINDS = f"{BASE}/CodeSystem/document-kind"  # referral_letter, discharge_summary, …
DOCUMENT_IDENTIFIER = f"{BASE}/sid/document"  # a signed document's public UUID
PATIENT_IDENTIFIER = f"{BASE}/sid/patient"
PRACTITIONER_IDENTIFIER = f"{BASE}/sid/practitioner"
# The needling extension on Procedure: one `point` per needled point (code, side) and
# the session's needling parameters (StructureDefinition in docs/fhir.md).
NEEDLING_EXTENSION = f"{BASE}/StructureDefinition/acupuncture-needling"
# FHIR's core extension naming the EpisodeOfCare of a resource that has no element for
# it (a QuestionnaireResponse, an Observation of the portal).
EPISODE_OF_CARE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare"


@dataclass(frozen=True, slots=True)
class Code:
    system: str
    code: str
    display: str
    citation: str  # the bibliography id that verified the code

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


# SNOMED CT "Acupuncture": in the NHS Greater Manchester acupuncture code set, built
# from the SNOMED CT browser and checked against the records of three GP systems.
ACUPUNCTURE = Code(SNOMED, "44868003", "Acupuncture", "gmsde_acupuncture_codes")
