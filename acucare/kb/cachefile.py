"""The registry's cache file, read lazily: a collection is unpickled when first used.

`acucare plan` reads a third of the collections; unpickling the rest (and importing the
record modules their classes live in) was most of what a cached start spent loading the
knowledge base. The file is one header and one pickled part per record module (that
module's collection and the indexes it builds, so an index keeps sharing objects with its
collection), plus one part for the source file names:

    MAGIC | header length (8 bytes, big-endian) | header pickle | part | part | ...

The header names every collection, index and record type (as ``module.qualname`` strings,
so reading it imports nothing), where each part lies, and the SHA-256 of all the parts.
The whole file is read and its digest checked at start, so a part unpickled later comes
from bytes already checked; the file is written to a temporary name and renamed, so a
concurrent reader sees the old file or the new one, never half of one. The file's name is
the hash of the knowledge files and the knowledge-base code (`loader.content_hash`).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from acucare.kb.registry import Registry

MAGIC = b"acucare-kb-cache/2\n"
_LENGTH_BYTES = 8


def _type_name(kind: type[Any]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


@dataclass(frozen=True)
class _Header:
    version: str
    collections: tuple[tuple[str, int], ...]  # (collection, part), in registry order
    indexes: tuple[tuple[str, int], ...]  # (index, part), in registry order
    kinds: tuple[tuple[str, str], ...]  # ("module.qualname", collection)
    sources_part: int
    parts: tuple[tuple[int, int], ...]  # (offset, length) after the header
    digest: str  # SHA-256 of all the parts


class _Parts:
    """The pickled parts of one cache file, each unpickled once, when first asked for."""

    def __init__(self, body: memoryview, spans: tuple[tuple[int, int], ...]) -> None:
        self._body = body
        self._spans = spans
        self._loaded: dict[int, Any] = {}

    def get(self, part: int) -> Any:
        if part not in self._loaded:
            offset, length = self._spans[part]
            # Checked against the header's digest before any part is read (see `read`).
            self._loaded[part] = pickle.loads(self._body[offset : offset + length])  # noqa: S301
        return self._loaded[part]


class LazyCollections(Mapping[str, dict[str, Any]]):
    """collection name -> records, unpickling a collection's part on first access."""

    def __init__(self, parts: _Parts, where: dict[str, int]) -> None:
        self._parts = parts
        self._where = where

    def __getitem__(self, name: str) -> dict[str, Any]:
        collections: dict[str, dict[str, Any]] = self._parts.get(self._where[name])[0]
        return collections[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class LazyIndexes(MutableMapping[str, Any]):
    """index name -> derived lookup, unpickled with its module's part on first access.

    Writable like the plain dict a freshly validated registry has (tests add indexes);
    a written value shadows the cached one.
    """

    def __init__(self, parts: _Parts, where: dict[str, int]) -> None:
        self._parts = parts
        self._where = dict(where)
        self._written: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._written:
            return self._written[name]
        indexes: dict[str, Any] = self._parts.get(self._where[name])[1]
        return indexes[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._written[name] = value
        self._where.setdefault(name, -1)

    def __delitem__(self, name: str) -> None:
        del self._where[name]
        self._written.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class KindsByName(Mapping[type[Any], str]):
    """record type -> collection, looked up by the type's name so reading imports nothing."""

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names

    def __getitem__(self, kind: type[Any]) -> str:
        return self._names[_type_name(kind)]

    def __iter__(self) -> Iterator[type[Any]]:
        import importlib

        for name in self._names:
            module, _, qualname = name.rpartition(".")
            yield getattr(importlib.import_module(module), qualname)

    def __len__(self) -> int:
        return len(self._names)


class LazySources(Mapping[tuple[str, str], str]):
    """(collection, key) -> source file, unpickled on first access (only problem reports use it)."""

    def __init__(self, parts: _Parts, part: int) -> None:
        self._parts = parts
        self._part = part

    def _all(self) -> dict[tuple[str, str], str]:
        sources: dict[tuple[str, str], str] = self._parts.get(self._part)
        return sources

    def __getitem__(self, key: tuple[str, str]) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def dump(
    registry: Registry, collection_owners: Mapping[str, str], index_owners: Mapping[str, str]
) -> bytes:
    """The cache file's bytes. The owners map each collection and each index to the record
    module that declares or builds it: one part per module."""
    modules = sorted({*collection_owners.values(), *index_owners.values()})
    part_of = {module: number for number, module in enumerate(modules)}
    contents: list[tuple[dict[str, dict[str, Any]], dict[str, Any]]] = [({}, {}) for _ in modules]
    for name, records in registry.collections.items():
        contents[part_of[collection_owners[name]]][0][name] = records
    for name, value in registry.indexes.items():
        contents[part_of[index_owners[name]]][1][name] = value
    blobs = [pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL) for content in contents]
    blobs.append(pickle.dumps(dict(registry.sources), protocol=pickle.HIGHEST_PROTOCOL))
    spans: list[tuple[int, int]] = []
    offset = 0
    for blob in blobs:
        spans.append((offset, len(blob)))
        offset += len(blob)
    body = b"".join(blobs)
    header = _Header(
        version=registry.version,
        collections=tuple(
            (name, part_of[collection_owners[name]]) for name in registry.collections
        ),
        indexes=tuple((name, part_of[index_owners[name]]) for name in registry.indexes),
        kinds=tuple((_type_name(kind), name) for kind, name in registry.kinds.items()),
        sources_part=len(blobs) - 1,
        parts=tuple(spans),
        digest=hashlib.sha256(body).hexdigest(),
    )
    head = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + len(head).to_bytes(_LENGTH_BYTES, "big") + head + body


def read(data: bytes) -> Registry | None:
    """The registry in a cache file's bytes, or None when they are not a whole, intact file."""
    if not data.startswith(MAGIC):
        return None
    start = len(MAGIC) + _LENGTH_BYTES
    length = int.from_bytes(data[len(MAGIC) : start], "big")
    view = memoryview(data)
    try:
        header = pickle.loads(view[start : start + length])  # noqa: S301 - see the module doc
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if not isinstance(header, _Header):
        return None
    body = view[start + length :]
    if hashlib.sha256(body).hexdigest() != header.digest:
        return None
    parts = _Parts(body, header.parts)
    return Registry(
        header.version,
        LazyCollections(parts, dict(header.collections)),
        KindsByName(dict(header.kinds)),
        LazySources(parts, header.sources_part),
        LazyIndexes(parts, dict(header.indexes)),
    )
