"""The immutable, validated knowledge base as the rest of the system sees it."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class Registry:
    """Every collection keyed by record id, plus the knowledge-base version.

    `version` is a content hash of the knowledge files: every persisted result records
    it so that an old plan or screening stays explainable after the knowledge changes.
    """

    version: str
    # A plain dict when just validated; read from the cache, each collection and index is
    # unpickled on first access (`acucare.kb.cachefile`).
    collections: Mapping[str, dict[str, Any]]
    # record type -> collection name, so `of(Acupoint)` needs no string.
    kinds: Mapping[type[Any], str]
    # (collection, key) -> "relative/file.yaml", for precise problem reports.
    sources: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # Derived lookups a collection's module builds once (e.g. point aliases).
    indexes: MutableMapping[str, Any] = field(default_factory=dict)

    def of(self, kind: type[T]) -> Mapping[str, T]:
        """The records of one type, read-only: ``registry.of(Acupoint)["BL23"]``."""
        return cast(Mapping[str, T], MappingProxyType(self.collections[self.kinds[kind]]))

    def source_of(self, collection: str, key: str) -> str:
        return self.sources.get((collection, key), f"knowledge/{collection}")

    def index(self, name: str) -> Any:
        return self.indexes[name]
