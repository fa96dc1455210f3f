"""Review a course: `acucare review COURSE` prints an `acucare.review/1` document.

COURSE is an `acucare.course/1` document (a path, or - for standard input). A rejected
document exits 2 with one JSON error naming the dotted field, e.g.
``timepoints[2].scores.peg.1``.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("course", help="a course document (acucare.course/1): a path, or -")


def run(args: argparse.Namespace) -> int:
    from acucare.cli import emit_json
    from acucare.commands.io import read_json_document
    from acucare.domain.outcomes import review_document
    from acucare.kb import registry

    document = read_json_document(args.course, field="course")
    emit_json(review_document(document, registry()))
    return 0
