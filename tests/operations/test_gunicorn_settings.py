"""config/gunicorn.py: what `make serve`, the image and the systemd unit run with."""

from __future__ import annotations

import gc
import importlib
import logging.config
import multiprocessing
from types import ModuleType, SimpleNamespace

import pytest


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name in ("ACUCARE_BIND", "ACUCARE_WEB_WORKERS", "ACUCARE_WEB_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import config.gunicorn

    return importlib.reload(config.gunicorn)


def test_workers_come_from_the_cpu_count_and_the_access_log_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load(monkeypatch)
    assert conf.workers == multiprocessing.cpu_count() * 2 + 1
    assert conf.threads == 1
    assert conf.bind == "127.0.0.1:8000"
    assert conf.accesslog is None
    assert conf.preload_app is True
    assert conf.max_requests > 0


def test_the_environment_sets_address_workers_and_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load(
        monkeypatch,
        ACUCARE_BIND="0.0.0.0:9000",
        ACUCARE_WEB_WORKERS="3",
        ACUCARE_WEB_THREADS="4",
    )
    assert (conf.bind, conf.workers, conf.threads) == ("0.0.0.0:9000", 3, 4)


def test_gunicorn_logs_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load(monkeypatch)
    handlers = conf.logconfig_dict["handlers"]
    assert {h["formatter"] for h in handlers.values()} == {"json"}
    assert conf.logconfig_dict["loggers"]["gunicorn.access"]["level"] == "CRITICAL"
    # The dictionary is one logging.config accepts (gunicorn hands it over as it is);
    # the test's own logging is put back afterwards.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logging.config.dictConfig({**conf.logconfig_dict, "disable_existing_loggers": False})
        assert type(root.handlers[0].formatter).__name__ == "JsonFormatter"
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_the_master_loads_the_knowledge_base_and_freezes_it_before_workers_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers share what the master loaded: frozen, their collections never write to it
    (copy-on-write would give each worker its own copy)."""
    from acucare.kb import registry

    conf = load(monkeypatch)
    registry.cache_clear()
    gc.unfreeze()
    try:
        conf.when_ready(SimpleNamespace(log=logging.getLogger("gunicorn.error")))
        assert registry.cache_info().currsize == 1
        assert gc.get_freeze_count() > 0
        # The knowledge base is frozen: the collector no longer lists it among the
        # objects it walks.
        loaded = registry()
        assert gc.is_tracked(loaded)
        assert not any(found is loaded for found in gc.get_objects())
    finally:
        gc.unfreeze()


def test_the_master_compiles_the_templates_and_builds_the_url_tables_before_workers_fork(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Otherwise each worker, new or recycled, does it during its first pages."""
    from django.template import engines
    from django.template.backends.django import DjangoTemplates
    from django.template.loaders.cached import Loader as CachedLoader
    from django.urls import clear_url_caches, get_resolver
    from django.utils.translation import get_language

    conf = load(monkeypatch)
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    loader = backend.engine.template_loaders[0]
    assert isinstance(loader, CachedLoader)
    loader.reset()
    clear_url_caches()
    gc.unfreeze()
    try:
        with caplog.at_level(logging.INFO, logger="gunicorn.error"):
            conf.when_ready(SimpleNamespace(log=logging.getLogger("gunicorn.error")))
        assert any(key.startswith("patients/chart.html") for key in loader.get_template_cache)
        assert get_language() in get_resolver()._reverse_dict
        assert "templates compiled" in caplog.text
    finally:
        gc.unfreeze()
