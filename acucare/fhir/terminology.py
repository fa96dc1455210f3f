"""The knowledge base's instruments as FHIR Questionnaires, for the endpoint (the
`acucare fhir questionnaire` command builds the same resource)."""

from __future__ import annotations

from acucare.domain.fhir.questionnaire import build_questionnaire
from acucare.fhir.mapping import Resource
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.kb.wording import WordingError, wording_for


def questionnaire_for(instrument_id: str) -> Resource | None:
    """The Questionnaire of an instrument whose wording ships or the clinic supplies;
    None for an unknown instrument or one without wording."""
    instrument = registry().of(Instrument).get(instrument_id)
    if instrument is None:
        return None
    try:
        wording = wording_for(instrument)
    except WordingError:
        return None
    return None if wording is None else build_questionnaire(instrument, wording)


def questionnaire_ids() -> list[str]:
    return sorted(i for i in registry().of(Instrument) if questionnaire_for(i) is not None)
