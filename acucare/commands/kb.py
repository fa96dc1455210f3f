"""Check and browse the knowledge base (kb check, kb points)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from acucare.domain.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kb_command", required=True, parser_class=type(parser))
    check = sub.add_parser("check", help="validate every file and cross-reference")
    check.add_argument(
        "--path", type=Path, default=None, help="a knowledge folder other than the shipped one"
    )
    docs = sub.add_parser("docs", help="print a generated document (docs/safety.md's rule list)")
    docs.add_argument("document", choices=["safety"], help="which document")
    docs.add_argument(
        "--write",
        type=Path,
        default=None,
        help="replace the generated part of this file (below its marker line) instead",
    )
    points = sub.add_parser("points", help="the acupoint catalogue")
    points.add_argument("--meridian", default=None, help="only this channel, e.g. BL or EX-B")
    points.add_argument("--json", action="store_true", help="a JSON array instead of a table")


def run(args: argparse.Namespace) -> int:
    if args.kb_command == "check":
        return _check(args.path)
    if args.kb_command == "docs":
        return _docs(args.write)
    return _points(args.meridian, args.json)


def _docs(path: Path | None) -> int:
    from acucare.kb import registry
    from acucare.kb.safety_docs import render, write

    if path is None:
        sys.stdout.write(render(registry()))
        return 0
    if not path.is_file():
        raise InputError(field="--write", message=f"no file at {path}")
    try:
        write(registry(), path)
    except ValueError as error:
        raise InputError(field="--write", message=str(error)) from None
    return 0


def _check(path: Path | None) -> int:
    from acucare.kb.loader import load

    if path is not None and not path.is_dir():
        raise InputError(field="--path", message=f"no knowledge folder at {path}")
    result = load(path)
    if result.registry is None:
        for problem in result.problems:
            sys.stdout.write(f"{problem}\n")
        sys.stdout.write(f"knowledge base has {len(result.problems)} problem(s)\n")
        return 1
    registry = result.registry
    counts = ", ".join(f"{len(records)} {name}" for name, records in registry.collections.items())
    # Each collection may list its inert records under "inert_records" or "inert_records:<name>".
    inert = [
        line
        for name, lines in sorted(registry.indexes.items())
        if name == "inert_records" or name.startswith("inert_records:")
        for line in lines
    ]
    sys.stdout.write(f"knowledge base {registry.version} is valid: {counts}\n")
    for line in inert:
        sys.stdout.write(f"stored but not acted upon (unverified): {line}\n")
    return 0


def _points(meridian: str | None, as_json: bool) -> int:
    from acucare.cli import emit_json
    from acucare.kb import registry
    from acucare.kb.records.acupoints import (
        AURICULAR,
        MERIDIAN_ALIASES,
        WHO_EXTRA_COUNTS,
        WHO_MERIDIAN_COUNTS,
        Acupoint,
    )
    from acucare.kb.records.base import acts_on

    # WHO channel order, then the extra-point families, then the ear.
    order = {name: i for i, name in enumerate([*WHO_MERIDIAN_COUNTS, *WHO_EXTRA_COUNTS])}
    points = sorted(
        registry().of(Acupoint).values(),
        key=lambda p: (order.get(p.meridian, len(order)), p.number or 0, p.code),
    )
    if meridian is not None:
        families = sorted({p.meridian for p in points}, key=lambda m: (order.get(m, len(order)), m))
        wanted = meridian.strip().upper()
        wanted = MERIDIAN_ALIASES.get(wanted.replace(" ", ""), wanted)
        if wanted not in families:
            raise InputError(
                field="--meridian",
                message=f"unknown meridian '{meridian}' (WHO channel code, extra-point family "
                f"or {AURICULAR})",
                allowed=families,
            )
        points = [p for p in points if p.meridian == wanted]
    if as_json:
        emit_json([_point_document(p, acts_on) for p in points])
        return 0
    for point in points:
        kinds = sorted({c.kind + ("" if acts_on(c.citations) else "*") for c in point.cautions})
        sys.stdout.write(
            f"{point.code:<24} {point.pinyin:<16} {point.name_en:<30} {point.region:<11} "
            f"{','.join(kinds) or '-'}\n"
        )
    by_family = Counter(p.meridian for p in points)
    sys.stdout.write(
        f"{len(points)} points ({', '.join(f'{k} {v}' for k, v in by_family.items())}); "
        "* = caution stored but not acted upon (unverified source)\n"
    )
    return 0


def _point_document(point: Any, acts_on: Callable[[Any], bool]) -> dict[str, object]:
    from dataclasses import asdict

    document = asdict(point)
    document["cautions"] = [
        {
            "kind": c.kind,
            "structure": c.structure,
            "handling": c.handling,
            # false: every source is unverified, so no rule acts on this caution.
            "active": acts_on(c.citations),
            "citations": [r.id for r in c.citations],
        }
        for c in point.cautions
    ]
    document["citations"] = [r["id"] for r in document["citations"]]
    if point.auricular_code is not None:
        document["auricular_code"] = {
            "code": point.auricular_code.code,
            "citations": [r.id for r in point.auricular_code.citations],
        }
    return document
