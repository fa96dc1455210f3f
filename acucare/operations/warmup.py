"""What a fresh server process would otherwise do on its first requests, done once in the
gunicorn master before it forks its workers (config/gunicorn.py `when_ready`).

Django compiles a template the first time it is rendered, and builds the URL reverse
tables of the URLconf (one per namespace) the first time a name in it is reversed. In a
worker that starts cold, the first patient chart took about 140 ms of CPU instead of 20:
every worker paid that, again each time it was recycled, and a request behind it waited.
Done in the master, the compiled templates and tables are inherited by every worker,
shared with them until written (and frozen, so never written by the collector).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.urls import URLResolver, get_resolver

import acucare


@dataclass(frozen=True)
class WarmedUp:
    templates: int
    url_resolvers: int


def compile_templates() -> int:
    """Compile every template of the project (the engines' DIRS and acucare's own apps)
    through each Django template engine's loaders, so that the cached loader of production
    keeps them. Other installed apps' templates are left alone: some load tag libraries
    of apps not installed here, and the clinic's pages are all acucare's. A template that
    does not compile raises here, at start, rather than on a patient's page."""
    package = Path(acucare.__file__).resolve().parent
    compiled = 0
    for backend in engines.all():
        if not isinstance(backend, DjangoTemplates):
            continue
        engine = backend.engine
        own = {Path(directory).resolve() for directory in engine.dirs}
        names: set[str] = set()
        for loader in engine.template_loaders:
            get_dirs = getattr(loader, "get_dirs", None)  # the file-based loaders have it
            found = get_dirs() if get_dirs is not None else ()
            for directory in (Path(folder).resolve() for folder in found):
                if (directory in own or directory.is_relative_to(package)) and directory.is_dir():
                    names.update(
                        path.relative_to(directory).as_posix()
                        for path in directory.rglob("*")
                        if path.is_file() and not path.name.startswith(".")
                    )
        for name in sorted(names):
            engine.get_template(name)
            compiled += 1
    return compiled


def populate_url_resolvers() -> int:
    """Build the reverse tables of the URLconf and of every included URLconf (each
    namespace has its own, built on the first `reverse` into it)."""
    populated = 0
    pending: list[URLResolver] = [get_resolver()]
    while pending:
        resolver = pending.pop()
        # Reading the property builds the tables (for the site's one language).
        resolver.reverse_dict  # noqa: B018
        populated += 1
        pending.extend(p for p in resolver.url_patterns if isinstance(p, URLResolver))
    return populated


def warm_up() -> WarmedUp:
    return WarmedUp(templates=compile_templates(), url_resolvers=populate_url_resolvers())
