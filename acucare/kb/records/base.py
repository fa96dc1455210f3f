"""Shared pieces of every record: citation references and evidence status."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from acucare.kb.constraints import MinLen

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

Evidence = Literal["verified", "secondary", "unverified"]
RecordStatus = Literal["active", "unverified"]
NonEmptyStr = Annotated[str, MinLen(1)]

# Strict records: an unknown key in a YAML file is a schema error, never ignored.
STRICT: dict[str, Any] = {"extra": "forbid", "str_strip_whitespace": True}


@dataclass(frozen=True)
class CitationRef:
    """One use of a bibliography entry, tagged with how well it was checked.

    verified: seen in the primary source; secondary: from a source that reports it;
    unverified: not located in the source, stored but never acted upon.
    """

    __pydantic_config__ = STRICT

    id: NonEmptyStr
    evidence: Evidence
    note: str = ""


def acts_on(citations: tuple[CitationRef, ...]) -> bool:
    """A fact may drive a rule only when at least one source is not unverified."""
    return any(ref.evidence != "unverified" for ref in citations)


@dataclass(frozen=True)
class Problem:
    """One finding of `acucare kb check`, printed on its own line."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


Check = Callable[["Registry"], Iterator[Problem]]


@dataclass(frozen=True)
class CollectionSpec:
    """Where a collection's YAML lives and which record type validates it."""

    name: str  # the folder under acucare/knowledge/
    record: type[Any]
    key: str  # the attribute that identifies a record
