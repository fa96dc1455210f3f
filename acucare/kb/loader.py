"""Load, validate and cross-check the knowledge base; cache the result by content hash.

Validation (pydantic) runs only when the knowledge files or the record code changed;
otherwise the registry is read from a cache file whose collections are unpickled only
when first used (`acucare.kb.cachefile`), which keeps `acucare` commands fast to start. A
cache is written only for a knowledge base without problems.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acucare.kb import cachefile
from acucare.kb import records as records_package
from acucare.kb.records.base import Check, CollectionSpec, Problem
from acucare.kb.registry import Registry

if TYPE_CHECKING:
    from pydantic import TypeAdapter

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_KNOWLEDGE_DIR = PACKAGE_DIR.parent / "knowledge"
RECORDS_DIR = PACKAGE_DIR / "records"


class KnowledgeBaseError(Exception):
    """The knowledge base has problems; each is one line of the message."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class LoadResult:
    registry: Registry | None
    problems: list[Problem]
    from_cache: bool


def _record_modules() -> list[Any]:
    # Imported here: a process that finds its registry in the cache never needs them.
    import importlib
    import pkgutil

    names = sorted(m.name for m in pkgutil.iter_modules(records_package.__path__))
    return [importlib.import_module(f"{records_package.__name__}.{n}") for n in names]


def _yaml_files(knowledge_dir: Path) -> list[Path]:
    return sorted(p for p in knowledge_dir.rglob("*.yaml") if p.is_file())


def content_hash(knowledge_dir: Path) -> tuple[str, str]:
    """(knowledge version, cache key). The cache key also covers the record code."""
    data = hashlib.sha256()
    for path in _yaml_files(knowledge_dir):
        data.update(path.relative_to(knowledge_dir).as_posix().encode())
        data.update(b"\0")
        data.update(path.read_bytes())
        data.update(b"\0")
    code = hashlib.sha256(data.digest())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        code.update(path.read_bytes())
    return "kb-" + data.hexdigest()[:12], code.hexdigest()[:24]


def _cache_dir() -> Path:
    base = os.environ.get("ACUCARE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "acucare" if base else Path.home() / ".cache" / "acucare"


def _cache_path(key: str) -> Path:
    return _cache_dir() / f"registry-{key}.kbcache"


def _read_cache(key: str) -> Registry | None:
    if os.environ.get("ACUCARE_NO_KB_CACHE"):
        return None
    try:
        # The cache is written only by this loader, under the user's cache directory, and
        # its name is the hash of the code and data it came from.
        data = _cache_path(key).read_bytes()
    except OSError:
        return None
    return cachefile.read(data)


def _write_cache(key: str, registry: Registry, owners: Owners) -> None:
    if os.environ.get("ACUCARE_NO_KB_CACHE"):
        return
    import tempfile

    data = cachefile.dump(registry, owners.collections, owners.indexes)
    directory = _cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file and concurrent
        # first runs each replace it whole with the same content.
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as tmp:
            tmp.write(data)
        os.replace(tmp.name, _cache_path(key))
    except OSError:
        return  # a read-only home only costs speed
    _prune_cache(directory, keep=_cache_path(key))


# A cache file another checkout (or version) still uses is rewritten within this time, so
# only files nobody has written for longer are removed; the one just written always stays.
STALE_AFTER_SECONDS = 30 * 24 * 3600
# Names earlier versions of the loader wrote (the pickled registry before the lazy file)
# and temporary files a killed writer left behind.
_OBSOLETE_PATTERNS = ("registry-*.pickle", "*.tmp")


def _prune_cache(directory: Path, *, keep: Path, now: float | None = None) -> list[Path]:
    """Remove cache files left by knowledge bases and code no longer in use.

    Every change to the knowledge files or the loader's code writes a new file under a
    new name; without this the cache directory grows by one registry per change.
    """
    cutoff = (time.time() if now is None else now) - STALE_AFTER_SECONDS
    removed: list[Path] = []
    candidates = [p for pattern in _OBSOLETE_PATTERNS for p in directory.glob(pattern)]
    candidates += directory.glob("registry-*.kbcache")
    for path in candidates:
        try:
            if path == keep or path.stat().st_mtime >= cutoff:
                continue
            path.unlink()
        except OSError:
            continue  # a concurrent writer renamed or removed it first
        removed.append(path)
    return removed


@dataclass(frozen=True)
class Owners:
    """The record module that declares each collection and builds each index."""

    collections: dict[str, str]
    indexes: dict[str, str]


def _load_yaml(path: Path) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


def _format_pydantic_error(error: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    return f"{loc}: {error['msg']}" if loc else str(error["msg"])


@dataclass
class _Loaded:
    """What validation has read so far: each collection's records, the file each came
    from, and the problems found."""

    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def read(self, path: Path, rel: str) -> list[Any]:
        """The file's raw records; none (and a problem) if it is not a YAML list."""
        try:
            document = _load_yaml(path)
        except Exception as exc:
            self.problems.append(Problem(rel, f"not valid YAML: {exc}".replace("\n", " ")))
            return []
        if not isinstance(document, list):
            self.problems.append(Problem(rel, "a knowledge file holds a YAML list of records"))
            return []
        return document

    def add(
        self, spec: CollectionSpec, adapter: TypeAdapter[Any], raw: Any, rel: str, index: int
    ) -> None:
        from pydantic import ValidationError

        label = f"[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get(spec.key), str):
            label = f"{raw[spec.key]}"
        try:
            record = adapter.validate_python(raw)
        except ValidationError as exc:
            for err in exc.errors():
                message = f"schema error at {_format_pydantic_error(dict(err))}"
                self.problems.append(Problem(f"{rel}: {label}", message))
            return
        key = getattr(record, spec.key)
        if key in self.collections[spec.name]:
            first = self.sources[(spec.name, key)]
            self.problems.append(Problem(f"{rel}: {key}", f"duplicate id (first in {first})"))
            return
        self.collections[spec.name][key] = record
        self.sources[(spec.name, key)] = rel


def _validate(
    knowledge_dir: Path, version: str, modules: list[Any]
) -> tuple[Registry, list[Problem]]:
    from pydantic import TypeAdapter

    loaded = _Loaded()
    kinds: dict[type[Any], str] = {}
    specs: list[CollectionSpec] = [m.COLLECTION for m in modules if hasattr(m, "COLLECTION")]
    for spec in specs:
        loaded.collections[spec.name] = {}
        kinds[spec.record] = spec.name
        adapter: TypeAdapter[Any] = TypeAdapter(spec.record)
        folder = knowledge_dir / spec.name
        if not folder.is_dir():
            loaded.problems.append(
                Problem(f"knowledge/{spec.name}", "collection folder is missing")
            )
            continue
        for path in _yaml_files(folder):
            rel = "knowledge/" + path.relative_to(knowledge_dir).as_posix()
            for index, raw in enumerate(loaded.read(path, rel)):
                loaded.add(spec, adapter, raw, rel, index)
    registry = Registry(version, loaded.collections, kinds, loaded.sources)
    return registry, loaded.problems


def _build_indexes(registry: Registry, modules: list[Any]) -> dict[str, str]:
    """Build every module's indexes into the registry; index name -> module name."""
    owners: dict[str, str] = {}
    for module in modules:
        build = getattr(module, "build_indexes", None)
        if build is not None:
            built = build(registry)
            registry.indexes.update(built)
            owners.update(dict.fromkeys(built, module.__name__))
    return owners


def _cross_check(registry: Registry, modules: list[Any]) -> Iterator[Problem]:
    for module in modules:
        check: Check | None = getattr(module, "check", None)
        if check is not None:
            yield from check(registry)


def load(knowledge_dir: Path | None = None, *, use_cache: bool = True) -> LoadResult:
    """Validate the knowledge base at `knowledge_dir` (the shipped one by default)."""
    directory = (knowledge_dir or DEFAULT_KNOWLEDGE_DIR).resolve()
    version, key = content_hash(directory)
    if use_cache:
        cached = _read_cache(key)
        if cached is not None:
            return LoadResult(cached, [], True)
    modules = _record_modules()
    registry, problems = _validate(directory, version, modules)
    # Cross-checks run even after schema errors so that one run reports everything;
    # a record that failed its schema may then also show up as an unknown reference.
    index_owners = _build_indexes(registry, modules)
    problems.extend(_cross_check(registry, modules))
    if problems:
        return LoadResult(None, problems, False)
    if use_cache:
        collection_owners = {
            m.COLLECTION.name: m.__name__ for m in modules if hasattr(m, "COLLECTION")
        }
        _write_cache(key, registry, Owners(collection_owners, index_owners))
    return LoadResult(registry, [], False)
