"""FHIR R4 documents of the clinical core: `acucare fhir questionnaire INSTRUMENT`.

Prints the instrument as a FHIR R4 `Questionnaire` (JSON) for an instrument whose item
wording acucare ships, or whose wording the clinic supplies in
$ACUCARE_INSTRUMENT_WORDING_DIR (docs/fhir.md). An instrument without wording is
refused (exit 2) with the instruments that have it.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="fhir_command", required=True, parser_class=type(parser))
    questionnaire = sub.add_parser(
        "questionnaire", help="an instrument as a FHIR R4 Questionnaire resource"
    )
    questionnaire.add_argument("instrument", help="an instrument id, e.g. phq9")


def run(args: argparse.Namespace) -> int:
    from acucare.cli import emit_json
    from acucare.domain.errors import InputError
    from acucare.domain.fhir.questionnaire import build_questionnaire
    from acucare.kb import registry
    from acucare.kb.records.instruments import Instrument
    from acucare.kb.wording import InstrumentWording, WordingError, wording_for

    instruments = registry().of(Instrument)
    worded: dict[str, InstrumentWording] = {}
    for key, instrument in sorted(instruments.items()):
        try:
            wording = wording_for(instrument)
        except WordingError:
            wording = None
        if wording is not None:
            worded[key] = wording
    chosen = instruments.get(args.instrument)
    if chosen is None:
        raise InputError(
            field="instrument",
            message=f"unknown instrument {args.instrument!r}",
            allowed=sorted(worded),
        )
    if chosen.id not in worded:
        raise InputError(
            field="instrument",
            message=(
                f"the item wording of {chosen.id} does not ship with acucare "
                f"({chosen.licence_note.rstrip('.')}) and the clinic has not supplied "
                "it, so there is no Questionnaire to print"
            ),
            allowed=sorted(worded),
        )
    emit_json(build_questionnaire(chosen, worded[chosen.id]))
    return 0
