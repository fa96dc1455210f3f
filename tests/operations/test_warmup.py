"""acucare.operations.warmup: what the gunicorn master does before forking, so that no
worker spends its first pages compiling templates and building URL tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import TemplateSyntaxError, engines
from django.template.backends.django import DjangoTemplates
from django.template.loaders.cached import Loader as CachedLoader
from django.test import override_settings
from django.urls import URLResolver, clear_url_caches, get_resolver
from django.utils.translation import get_language

import acucare
from acucare.operations.warmup import compile_templates, populate_url_resolvers, warm_up

PACKAGE = Path(acucare.__file__).resolve().parent


def _cached_loader() -> CachedLoader:
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    loader = backend.engine.template_loaders[0]
    assert isinstance(loader, CachedLoader)
    return loader


def _own_template_names() -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for folder in PACKAGE.glob("*/templates")
        for path in folder.rglob("*")
        if path.is_file()
    }


def _resolvers() -> list[URLResolver]:
    found, pending = [], [get_resolver()]
    while pending:
        resolver = pending.pop()
        found.append(resolver)
        pending.extend(p for p in resolver.url_patterns if isinstance(p, URLResolver))
    return found


def _unbuilt_resolvers() -> list[URLResolver]:
    """The resolvers as a new worker has them: the included URLconfs' resolvers are
    module-level objects that outlive `clear_url_caches`, so their tables (one per
    language, built when missing) are dropped here."""
    clear_url_caches()
    resolvers = _resolvers()
    for resolver in resolvers:
        resolver._reverse_dict.clear()
    return resolvers


def test_every_template_of_the_apps_is_compiled_and_kept_by_the_cached_loader() -> None:
    loader = _cached_loader()
    loader.reset()
    names = _own_template_names()
    assert "patients/chart.html" in names

    assert compile_templates() == len(names)

    # The cached loader keys its templates by name (and the skipped loaders).
    cached = {key.split("-", 1)[0] for key in loader.get_template_cache}
    assert names <= cached
    # Another installed app's templates are not compiled (django_rq's need the admin).
    assert not any(key.startswith("django_rq/") for key in cached)


def test_a_template_that_does_not_compile_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text("{% if %}")
    project_templates = {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [str(tmp_path)],
        "APP_DIRS": True,
    }
    with override_settings(TEMPLATES=[project_templates]), pytest.raises(TemplateSyntaxError):
        compile_templates()


def test_every_url_resolver_has_its_reverse_tables_built() -> None:
    resolvers = _unbuilt_resolvers()
    assert len(resolvers) > 5  # the project's URLconf and its namespaced includes

    assert populate_url_resolvers() == len(resolvers)

    assert all(get_language() in r._reverse_dict for r in resolvers)


def test_warm_up_does_both() -> None:
    _unbuilt_resolvers()
    _cached_loader().reset()
    warmed = warm_up()
    assert warmed.templates == len(_own_template_names())
    assert warmed.url_resolvers == len(_resolvers())
