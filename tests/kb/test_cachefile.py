"""The registry cache: same registry back, collections unpickled only when used, and a
damaged or stale file never trusted."""

from __future__ import annotations

import json
import os
import pickle
import pickletools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from acucare.kb import cachefile, loader
from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR, _cache_path, content_hash, load
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.safety_examples import SafetyExample
from acucare.kb.registry import Registry

REPO = Path(__file__).resolve().parents[2]


def _fresh() -> tuple[Registry, bytes]:
    """A registry validated now and the cache file `load` writes for it."""
    result = load(use_cache=False)
    assert result.registry is not None
    return result.registry, _written()


def _written() -> bytes:
    result = load()
    assert result.registry is not None
    _, key = content_hash(DEFAULT_KNOWLEDGE_DIR.resolve())
    return _cache_path(key).read_bytes()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACUCARE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ACUCARE_NO_KB_CACHE", raising=False)


def test_the_cached_registry_equals_the_validated_one() -> None:
    fresh, data = _fresh()
    cached = cachefile.read(data)
    assert cached is not None
    assert cached.version == fresh.version
    assert list(cached.collections) == list(fresh.collections)
    for name in fresh.collections:
        assert cached.collections[name] == fresh.collections[name], name
    assert list(cached.indexes) == list(fresh.indexes)
    for name in fresh.indexes:
        assert cached.indexes[name] == fresh.indexes[name], name
    assert dict(cached.sources) == dict(fresh.sources)
    assert dict(cached.kinds) == dict(fresh.kinds)
    assert dict(cached.of(Acupoint)) == dict(fresh.of(Acupoint))
    assert cached.source_of("acupoints", "LU1") == fresh.source_of("acupoints", "LU1")


def test_the_second_load_comes_from_the_cache() -> None:
    first = load()
    second = load()
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.registry is not None
    assert first.registry is not None
    assert dict(second.registry.of(SafetyExample)) == dict(first.registry.of(SafetyExample))


def test_a_collection_is_unpickled_only_when_used() -> None:
    _, data = _fresh()
    cached = cachefile.read(data)
    assert cached is not None
    parts = cached.collections._parts  # type: ignore[attr-defined]
    assert parts._loaded == {}
    cached.of(Acupoint)
    assert len(parts._loaded) == 1


def test_every_class_in_the_cache_is_kb_code_so_the_cache_key_covers_it() -> None:
    # The key hashes acucare/kb's code only; a pickled class from elsewhere could change
    # shape under an unchanged key, and a lazily unpickled part would then fail mid-run.
    fresh, _ = _fresh()
    everything = (dict(fresh.collections), dict(fresh.indexes), dict(fresh.sources))
    # Protocol 2 names each class in a GLOBAL opcode: "module qualname".
    data = pickle.dumps(everything, protocol=2)
    modules = {
        str(arg).split(" ")[0] for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"
    }
    outside = {
        m
        for m in modules
        if not m.startswith("acucare.kb.") and m not in {"__builtin__", "copyreg"}
    }
    assert outside == set()
    assert "acucare.kb.records.acupoints" in modules


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-1], id="truncated"),
        pytest.param(lambda data: data[:-10] + bytes(10), id="changed bytes"),
        pytest.param(lambda data: b"x" + data[1:], id="not a cache file"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_damaged_file_is_not_trusted(damage: object) -> None:
    _, data = _fresh()
    assert callable(damage)
    assert cachefile.read(damage(data)) is None


def test_a_damaged_file_is_rebuilt() -> None:
    _, data = _fresh()
    _, key = content_hash(DEFAULT_KNOWLEDGE_DIR.resolve())
    _cache_path(key).write_bytes(data[: len(data) // 2])
    again = load()
    assert again.from_cache is False
    assert _cache_path(key).read_bytes() == data


def test_indexes_written_over_a_cached_registry_shadow_the_cached_ones() -> None:
    _, data = _fresh()
    cached = cachefile.read(data)
    assert cached is not None
    cached.indexes["point_aliases"] = {"x": "LU1"}
    cached.indexes["extra"] = 1
    assert cached.indexes["point_aliases"] == {"x": "LU1"}
    assert list(cached.indexes)[-1] == "extra"
    del cached.indexes["extra"]
    assert "extra" not in cached.indexes


def test_concurrent_first_runs_then_a_plan_from_the_cache_that_skips_unread_collections(
    tmp_path: Path,
) -> None:
    intake = {
        "format": "acucare.intake/1",
        "patient": {"age": 54, "sex": "female"},
        "conditions": [{"icd10": "M54.50", "duration_weeks": 30}],
        "pain_sites": ["lower_back"],
        "questionnaires": {"peg": {"1": 7, "2": 6, "3": 8}},
    }
    program = (
        "import sys\n"
        "from acucare.cli import main\n"
        "code = main(['plan', '-'])\n"
        "loaded = [m for m in sys.modules if m.startswith('acucare.kb.records.')]\n"
        "sys.stderr.write(repr(sorted(loaded)))\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "ACUCARE_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-c", program]
    # Three first runs at once (each validates and writes the cache), then one from it.
    first = [
        subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(json.dumps(intake)) for process in first]
    assert [process.returncode for process in first] == [0, 0, 0], outputs
    cached = subprocess.run(
        argv, input=json.dumps(intake), capture_output=True, text=True, env=env, cwd=REPO
    )
    assert cached.returncode == 0, cached.stderr
    assert {stdout for stdout, _ in outputs} == {cached.stdout}  # one plan, however loaded
    # One whole cache file, no temporary file left behind.
    assert [p.suffix for p in (tmp_path / "cache" / "acucare").iterdir()] == [".kbcache"]
    imported = cached.stderr
    assert "acucare.kb.records.safety_examples" not in imported
    assert "acucare.kb.records.education" not in imported
    assert "acucare.kb.records.protocols" in imported


def test_writing_the_cache_prunes_files_nobody_has_written_for_a_month(tmp_path: Path) -> None:
    directory = tmp_path / "acucare"
    directory.mkdir()
    month_ago = time.time() - loader.STALE_AFTER_SECONDS - 60
    stale = directory / "registry-0ld.kbcache"
    obsolete = directory / "registry-0ld.pickle"
    orphan = directory / "tmpabc.tmp"
    in_use = directory / "registry-other-checkout.kbcache"  # written yesterday
    current = directory / "registry-current.kbcache"
    for path in (stale, obsolete, orphan, in_use, current):
        path.write_bytes(b"x")
    for path in (stale, obsolete, orphan, current):
        os.utime(path, (month_ago, month_ago))
    os.utime(in_use, (time.time() - 86_400, time.time() - 86_400))

    removed = loader._prune_cache(directory, keep=current)

    assert sorted(removed) == sorted([stale, obsolete, orphan])
    assert sorted(directory.iterdir()) == sorted([current, in_use])


def test_a_fresh_load_leaves_only_live_cache_files(tmp_path: Path, monkeypatch: Any) -> None:
    directory = tmp_path / "acucare"
    directory.mkdir()
    old = directory / "registry-from-last-year.kbcache"
    old.write_bytes(b"x")
    os.utime(old, (0, 0))
    monkeypatch.setenv("ACUCARE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ACUCARE_NO_KB_CACHE", raising=False)

    load(use_cache=True)

    _, key = content_hash(DEFAULT_KNOWLEDGE_DIR.resolve())
    assert list(directory.iterdir()) == [_cache_path(key)]
