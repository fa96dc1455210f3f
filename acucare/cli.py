"""The `acucare` command: the scriptable face of the clinical core.

The contract is ../shared/spec/interfaces.md. Exit 0 on success, 2 when the input was
rejected (one JSON error object on standard output, nothing else written), 1 otherwise.
Nothing here imports Django, so the commands start fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from acucare.domain.errors import InputError

# command name -> module with `add_arguments(parser)` and `run(args) -> int`.
COMMANDS: dict[str, str] = {
    "kb": "acucare.commands.kb",
    "instruments": "acucare.commands.instruments",
    "score": "acucare.commands.score",
    "screen": "acucare.commands.screen",
    "check-session": "acucare.commands.check_session",
    "plan": "acucare.commands.plan",
    "review": "acucare.commands.review",
    "fhir": "acucare.commands.fhir",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as the spec's JSON error (exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The innermost parser that parsed the line is left on the namespace, so that an
        # unknown flag is reported with the options of the command it was given to.
        self.set_defaults(_parser=self)

    def error(self, message: str) -> NoReturn:
        raise InputError(
            field=_field_from_argparse(message, self), message=message, allowed=_allowed_for(self)
        )


def _field_from_argparse(message: str, parser: argparse.ArgumentParser) -> str:
    if message.startswith("the following arguments are required:"):
        return message.split(":", 1)[1].strip().split(",")[0].strip()
    if message.startswith("unrecognized arguments:"):
        return message.split(":", 1)[1].strip().split()[0]
    if "argument" in message and ":" in message:
        return message.split("argument", 1)[1].split(":", 1)[0].strip().split("/")[0]
    return parser.prog.replace(" ", ".")


def _allowed_for(parser: argparse.ArgumentParser) -> list[str] | None:
    allowed: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            allowed.extend(action.choices)
        elif not isinstance(action, argparse._HelpAction):
            allowed.extend(action.option_strings)
    return allowed or None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="acucare", description="acucare clinical core")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=(module.__doc__ or name).splitlines()[0])
        module.add_arguments(command_parser)
        command_parser.set_defaults(_module=module)
    return parser


def emit_json(document: Any) -> None:
    """Print one JSON document: UTF-8, stable key order as built, newline-terminated."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args, extras = build_parser().parse_known_args(argv)
        if extras:
            parser = args._parser
            raise InputError(
                field=extras[0],
                message=f"unrecognised argument '{extras[0]}'",
                allowed=_allowed_for(parser),
            )
        return int(args._module.run(args))
    except InputError as error:
        sys.stdout.write(json.dumps(error.as_document(), ensure_ascii=False) + "\n")
        return 2
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
