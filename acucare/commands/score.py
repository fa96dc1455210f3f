"""Score a questionnaire: `acucare score INSTRUMENT ANSWERS` prints a score document.

ANSWERS is a JSON object mapping item numbers ("1" … "N") to response codes, read from a
path or from standard input with `-`. Rejected answers exit 2 with one JSON error naming
the item and the allowed values.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instrument", help="instrument id, e.g. phq9 (see `acucare instruments`)")
    parser.add_argument("answers", help="answers as a JSON object: a path, or - for stdin")


def run(args: argparse.Namespace) -> int:
    from acucare.cli import emit_json
    from acucare.commands.io import read_json_document
    from acucare.domain.errors import InputError
    from acucare.domain.scoring import instrument_tables, score
    from acucare.kb import registry

    knowledge = registry()
    tables = instrument_tables(knowledge)
    if args.instrument not in tables:
        raise InputError(
            field="instrument",
            message=f"unknown instrument {args.instrument!r}",
            allowed=sorted(tables),
        )
    answers = read_json_document(args.answers, field="answers")
    emit_json(score(knowledge, args.instrument, answers).as_document())
    return 0
