"""An instrument's knowledge-base record and wording as a FHIR R4 `Questionnaire`.

Each item is a `choice` question whose answer options are codings of the instrument's
own response codes (the codes `acucare score` reads), with the scored value as the
standard `ordinalValue` extension; a read-only last item carries the score, coded with
the instrument's LOINC code where the knowledge base has a verified one (docs/fhir.md).
"""

from __future__ import annotations

import re
from typing import Any

from acucare.domain.fhir.codes import LOINC, ORDINAL_VALUE, QUESTIONNAIRE_BASE
from acucare.kb.records.instruments import Instrument
from acucare.kb.wording import InstrumentWording

TOTAL_LINK_ID = "total"


def questionnaire_url(instrument_id: str) -> str:
    return f"{QUESTIONNAIRE_BASE}/{instrument_id}"


def canonical(instrument: Instrument) -> str:
    """The versioned canonical a QuestionnaireResponse points at (`url|version`)."""
    return f"{questionnaire_url(instrument.id)}|{instrument.version}"


def answer_system(instrument_id: str) -> str:
    """The code system of an instrument's response codes (its items' answer options)."""
    return f"{questionnaire_url(instrument_id)}/responses"


def computable_name(instrument: Instrument) -> str:
    """FHIR's `name`: letters and digits, starting with a capital (PHQ-9 → PHQ9)."""
    words = re.findall(r"[A-Za-z0-9]+", instrument.short_name)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name[:1].isalpha() else f"Q{name}"


def build_questionnaire(instrument: Instrument, wording: InstrumentWording) -> dict[str, Any]:
    """The Questionnaire for `instrument` in `wording` (shipped, or the clinic's)."""
    if wording.instrument != instrument.id:
        raise ValueError(f"wording of {wording.instrument} given for {instrument.id}")
    texts = {item.number: item for item in wording.items}
    items: list[dict[str, Any]] = []
    if wording.instructions:
        items.append({"linkId": "instructions", "text": wording.instructions, "type": "display"})
    for item in instrument.items:
        worded = texts[item.number]
        items.append(
            {
                "linkId": str(item.number),
                "prefix": f"{item.number}.",
                "text": worded.text,
                "type": "choice",
                "required": instrument.scoring.missing == "none_allowed",
                "answerOption": [
                    {
                        "valueCoding": {
                            "system": answer_system(instrument.id),
                            "code": str(option.code),
                            "display": worded.options[option.code],
                            "extension": [
                                {
                                    "url": ORDINAL_VALUE,
                                    "valueDecimal": option.value
                                    if option.value is not None
                                    else option.code,
                                }
                            ],
                        }
                    }
                    for option in instrument.item_scale(item).options
                ],
            }
        )
    if instrument.scoring.method != "category":  # a rating (PGIC) has no score item
        items.append(_total_item(instrument))
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.id,
        "url": questionnaire_url(instrument.id),
        "version": instrument.version,
        "name": computable_name(instrument),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.purpose,
        "purpose": f"Recall period: {instrument.recall_period}."
        if instrument.recall_period
        else None,
        "copyright": " ".join(
            part
            for part in (wording.attribution or instrument.attribution, instrument.licence_note)
            if part
        ),
        "item": items,
    }
    if wording.source == "clinic" and wording.licence_reference:
        resource["copyright"] += f" Clinic licence: {wording.licence_reference}"
    return {key: value for key, value in resource.items() if value is not None}


def _total_item(instrument: Instrument) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": TOTAL_LINK_ID,
        "text": f"{instrument.short_name} score",
        "type": "integer" if instrument.scoring.method == "sum" else "decimal",
        "readOnly": True,
        "required": False,
    }
    if instrument.loinc is not None:
        item["code"] = [
            {"system": LOINC, "code": instrument.loinc.code, "display": instrument.loinc.display}
        ]
    return item
