"""Screen an intake for safety: `acucare screen INTAKE` prints a screening document.

INTAKE is an `acucare.intake/1` document, read from a path or from standard input with
`-`. A screening that refuses treatment is a valid answer (exit 0); an intake that does
not follow the contract exits 2 with one JSON error naming the field.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("intake", help="intake document (JSON): a path, or - for stdin")


def run(args: argparse.Namespace) -> int:
    from acucare.cli import emit_json
    from acucare.commands.io import read_json_document
    from acucare.domain.intake import parse_intake
    from acucare.domain.screening import screen
    from acucare.kb import registry

    knowledge = registry()
    intake = parse_intake(read_json_document(args.intake, field="intake"), knowledge)
    emit_json(screen(intake, knowledge).as_document())
    return 0
