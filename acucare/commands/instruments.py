"""List the questionnaires acucare can score (`acucare instruments [ID] [--json]`).

Without ID: every instrument with its item count, licence and where its wording comes
from. With ID: that instrument in full — items, response codes, the wording where it is
available, scoring rule, bands, flags and clinically important change, with citations.
The clinic's wording folder is read from $ACUCARE_INSTRUMENT_WORDING_DIR.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acucare.kb.records.base import CitationRef
    from acucare.kb.records.instruments import Instrument
    from acucare.kb.wording import InstrumentWording


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instrument", nargs="?", default=None, help="show one instrument in full")
    parser.add_argument("--json", action="store_true", help="JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from acucare.cli import emit_json
    from acucare.domain.errors import InputError
    from acucare.kb import registry
    from acucare.kb.records.instruments import Instrument

    instruments = registry().of(Instrument)
    if args.instrument is not None:
        instrument = instruments.get(args.instrument)
        if instrument is None:
            raise InputError(
                field="instrument",
                message=f"unknown instrument {args.instrument!r}",
                allowed=sorted(instruments),
            )
        document = _detail(instrument)
        if args.json:
            emit_json(document)
        else:
            _print_detail(document)
        return 0
    summaries = [_summary(instrument) for _, instrument in sorted(instruments.items())]
    if args.json:
        emit_json(summaries)
        return 0
    for s in summaries:
        sys.stdout.write(
            f"{s['id']:<10} {s['items']:>3} items  {s['licence']:<20} "
            f"wording {s['wording']:<13} {s['name']}\n"
        )
    sys.stdout.write(f"{len(summaries)} instruments\n")
    return 0


def _wording(instrument: Instrument) -> tuple[str, InstrumentWording | None, list[str]]:
    from acucare.kb.wording import WordingError, wording_for

    try:
        wording = wording_for(instrument)
    except WordingError as error:
        return "invalid", None, [f"{error.source}: {p}" for p in error.problems]
    if wording is None:
        return "not supplied", None, []
    return wording.source, wording, []


def _ids(citations: tuple[CitationRef, ...]) -> list[dict[str, str]]:
    return [{"id": ref.id, "evidence": ref.evidence} for ref in citations]


def _summary(instrument: Instrument) -> dict[str, Any]:
    from acucare.kb.records.instruments import total_range

    status, _, problems = _wording(instrument)
    low, high = total_range(instrument)
    summary: dict[str, Any] = {
        "id": instrument.id,
        "version": instrument.version,
        "name": instrument.name,
        "short_name": instrument.short_name,
        "items": len(instrument.items),
        "licence": instrument.licence,
        "licence_note": instrument.licence_note,
        "wording_ships": instrument.wording_ships,
        "wording": status,
        "measures": list(instrument.measures),
        "recall_period": instrument.recall_period,
        "scoring": instrument.scoring.method,
        "range": {"min": _number(low), "max": _number(high)},
        "bands": [
            {"code": b.code, "label": b.label, "min": _number(b.min), "score": b.score}
            for b in instrument.bands
        ],
        "loinc": instrument.loinc.code if instrument.loinc else None,
        "citations": [ref.id for ref in instrument.citations],
    }
    if problems:
        summary["wording_problems"] = problems
    return summary


def _detail(instrument: Instrument) -> dict[str, Any]:
    document = _summary(instrument)
    _, wording, _ = _wording(instrument)
    texts = {item.number: item for item in wording.items} if wording else {}
    document["instructions"] = wording.instructions if wording else None
    document["attribution"] = instrument.attribution
    document["questions"] = [
        {
            "number": item.number,
            "text": texts[item.number].text if item.number in texts else None,
            "reversed": item.reversed,
            "options": [
                {
                    "code": option.code,
                    "label": texts[item.number].options[option.code]
                    if item.number in texts
                    else None,
                    "scored": option.scored,
                }
                for option in instrument.item_scale(item).options
            ],
        }
        for item in instrument.items
    ]
    scoring = instrument.scoring
    document["scoring"] = {
        "method": scoring.method,
        "missing": scoring.missing,
        "max_missing": scoring.max_missing,
        "subscales": [{"name": s.name, "items": list(s.items)} for s in scoring.subscales],
        "note": scoring.note,
        "citations": _ids(scoring.citations + scoring.missing_citations),
    }
    document["band_citations"] = _ids(instrument.band_citations)
    document["flags"] = [
        {
            "code": f.code,
            "kind": f.kind,
            "score": f.score if f.kind == "score_at_least" else None,
            "item": f.item,
            "at_least": f.at_least,
            "band": f.band,
            "message": f.message,
            "citations": _ids(f.citations),
        }
        for f in instrument.flags
    ]
    change = instrument.change
    document["change"] = (
        {
            "direction": change.direction,
            "note": change.note,
            "thresholds": [
                {
                    "tier": t.tier,
                    "kind": t.kind,
                    "value": _number(t.value),
                    "acted_upon": any(r.evidence != "unverified" for r in t.citations),
                    "citations": _ids(t.citations),
                }
                for t in change.thresholds
            ],
        }
        if change
        else None
    )
    document["citations"] = _ids(instrument.citations)
    document["licence_citations"] = _ids(instrument.licence_citations)
    return document


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else value


def _print_detail(document: dict[str, Any]) -> None:
    out = sys.stdout.write
    out(f"{document['name']} ({document['id']}@{document['version']})\n")
    out(f"licence: {document['licence']} — {document['licence_note']}\n")
    out(f"wording: {document['wording']}; recall: {document['recall_period'] or '-'}\n")
    for problem in document.get("wording_problems", []):
        out(f"  wording problem: {problem}\n")
    if document["instructions"]:
        out(f"{document['instructions']}\n")
    for question in document["questions"]:
        codes = ", ".join(
            f"{o['code']}" + (f"={o['label']}" if o["label"] else "") for o in question["options"]
        )
        reversed_ = " (reverse-scored)" if question["reversed"] else ""
        out(
            f"  {question['number']:>2}. {question['text'] or '(wording not supplied)'}"
            f"{reversed_}\n      [{codes}]\n"
        )
    for band in document["bands"]:
        out(f"band {band['code']}: {band['score']} ≥ {band['min']}\n")
    for flag in document["flags"]:
        out(f"flag {flag['code']}: {flag['message']}\n")
    if document["change"]:
        for t in document["change"]["thresholds"]:
            unit = "%" if t["kind"] == "percent" else " points"
            inert = "" if t["acted_upon"] else " (stored, not acted upon: unverified)"
            out(f"change {t['tier']}: {t['value']}{unit}{inert}\n")
