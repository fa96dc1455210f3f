"""Check a session: `acucare check-session DOC` prints a session-check document.

DOC is `{"intake": <intake document>, "session": <session>}`, read from a path or from
standard input with `-`. The session's points, sides, modality and electroacupuncture
pairs are checked against the patient's screening and the points' cautions; `allowed` is
false when anything used is blocked. Invalid input exits 2 with one JSON error naming the
field (`intake.history[0]`, `session.points[1].code`).
"""

from __future__ import annotations

import argparse

DOCUMENT_KEYS = ("intake", "session")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("document", help='{"intake": ..., "session": ...}: a path, or - for stdin')


def run(args: argparse.Namespace) -> int:
    from acucare.cli import emit_json
    from acucare.commands.io import read_json_document
    from acucare.domain.errors import InputError
    from acucare.domain.intake import parse_intake
    from acucare.domain.session_check import check_session
    from acucare.kb import registry

    document = read_json_document(args.document, field="document")
    if not isinstance(document, dict):
        raise InputError(
            field="document",
            message="the document must be an object with an intake and a session",
            allowed=list(DOCUMENT_KEYS),
        )
    for key in document:
        if key not in DOCUMENT_KEYS:
            raise InputError(
                field=key, message=f"unknown field {key!r}", allowed=list(DOCUMENT_KEYS)
            )
    for key in DOCUMENT_KEYS:
        if key not in document:
            raise InputError(field=key, message="this field is required")
    knowledge = registry()
    intake = parse_intake(document["intake"], knowledge, prefix="intake.")
    emit_json(check_session(intake, document["session"], knowledge).as_document())
    return 0
