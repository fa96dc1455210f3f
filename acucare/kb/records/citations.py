"""The bibliography: every other record cites ids from here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Literal

from acucare.kb.records.base import STRICT, CitationRef, CollectionSpec, NonEmptyStr, Problem

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

CitationKind = Literal[
    "journal_article",
    "systematic_review",
    "guideline",
    "standard",
    "book",
    "coverage_policy",
    "professional_guidance",
    "web_page",
]


@dataclass(frozen=True)
class Citation:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    kind: CitationKind
    authors: str
    year: int
    title: NonEmptyStr
    publisher: NonEmptyStr  # journal with volume and pages, or the publishing body
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    url: str = ""
    isbn: str = ""
    note: str = ""


COLLECTION = CollectionSpec("citations", Citation, "id")


def iter_citation_refs(value: Any, path: str) -> Iterator[tuple[str, CitationRef]]:
    """Every CitationRef inside a record, however deeply nested, with its path."""
    if isinstance(value, CitationRef):
        yield path, value
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from iter_citation_refs(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from iter_citation_refs(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from iter_citation_refs(item, f"{path}.{name}")


def check(registry: Registry) -> Iterator[Problem]:
    """Every citation id used anywhere resolves in the bibliography."""
    known = registry.of(Citation)
    for collection, records in registry.collections.items():
        for key, record in records.items():
            where = f"{registry.source_of(collection, key)}: {key}"
            for path, ref in iter_citation_refs(record, ""):
                if ref.id not in known:
                    yield Problem(where, f"unresolved citation '{ref.id}' at {path.lstrip('.')}")
