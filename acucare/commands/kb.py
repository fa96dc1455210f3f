"""Check and browse the knowledge base (kb check, kb points)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from acucare.domain.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kb_command", required=True, parser_class=type(parser))
    check = sub.add_parser("check", help="validate every file and cross-reference")
    check.add_argument(
        "--path", type=Path, default=None, help="a knowledge folder other than the shipped one"
    )
    points = sub.add_parser("points", help="the acupoint catalogue")
    points.add_argument("--meridian", default=None, help="only this channel, e.g. BL or EX-B")
    points.add_argument("--json", action="store_true", help="a JSON array instead of a table")


def run(args: argparse.Namespace) -> int:
    if args.kb_command == "check":
        return _check(args.path)
    return _points(args.meridian, args.json)


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
    inert = registry.indexes.get("inert_records", ())
    sys.stdout.write(f"knowledge base {registry.version} is valid: {counts}\n")
    for line in inert:
        sys.stdout.write(f"stored but not acted upon (unverified): {line}\n")
    return 0


def _points(meridian: str | None, as_json: bool) -> int:
    from acucare.cli import emit_json
    from acucare.kb import registry
    from acucare.kb.records.acupoints import Acupoint

    points = list(registry().of(Acupoint).values())
    if meridian is not None:
        families = sorted({p.meridian for p in points})
        wanted = meridian.strip().upper()
        from acucare.kb.records.acupoints import MERIDIAN_ALIASES

        wanted = MERIDIAN_ALIASES.get(wanted, wanted)
        if wanted not in families:
            raise InputError(
                field="--meridian", message=f"unknown meridian '{meridian}'", allowed=families
            )
        points = [p for p in points if p.meridian == wanted]
    if as_json:
        emit_json([_point_document(p) for p in points])
        return 0
    for point in points:
        cautions = ",".join(sorted({c.kind for c in point.cautions})) or "-"
        sys.stdout.write(
            f"{point.code:<14} {point.pinyin:<16} {point.name_en:<28} {point.region:<14} "
            f"{cautions}\n"
        )
    by_family = Counter(p.meridian for p in points)
    sys.stdout.write(
        f"{len(points)} points ({', '.join(f'{k} {v}' for k, v in by_family.items())})\n"
    )
    return 0


def _point_document(point: object) -> dict[str, object]:
    from dataclasses import asdict

    document = asdict(point)  # type: ignore[call-overload]
    document["cautions"] = [
        {
            "kind": c["kind"],
            "structure": c["structure"],
            "handling": c["handling"],
            "citations": [r["id"] for r in c["citations"]],
        }
        for c in document["cautions"]
    ]
    document["citations"] = [r["id"] for r in document["citations"]]
    return document
