"""Build an explainable, cited care plan from an intake document (acucare plan INTAKE)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("intake", help="an intake document: a path, or - for standard input")


def run(args: argparse.Namespace) -> int:
    from acucare.cli import emit_json
    from acucare.commands.io import read_json_document
    from acucare.domain.intake import parse_intake
    from acucare.domain.planning import plan
    from acucare.domain.screening import screen
    from acucare.kb import registry

    document = read_json_document(args.intake, field="intake")
    knowledge = registry()
    intake = parse_intake(document, knowledge)
    emit_json(plan(intake, screen(intake, knowledge), knowledge).as_document())
    return 0
