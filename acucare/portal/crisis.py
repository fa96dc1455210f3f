"""Crisis resources: what a patient sees at once when they report thoughts of
self-harm (PHQ-9 item 9 above "not at all"), for the clinic's locale.

The shipped list (`crisis_resources.yaml`) cites its sources from the bibliography; a
clinic's own file (`ACUCARE_CRISIS_RESOURCES_FILE`, the same shape) replaces or adds
locales. A file that does not match, or a locale with no entry, is a system-check error
(`manage.py check`, which `make test` and every deployment run) and an error at first
use, never a page without help on it (safety fails closed)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

from acucare.kb import registry
from acucare.kb.records.citations import Citation

SHIPPED = Path(__file__).with_name("crisis_resources.yaml")


@dataclass(frozen=True)
class CrisisResources:
    locale: str
    heading: str
    lines: tuple[str, ...]
    citations: tuple[Citation, ...]


def _entry(locale: str, raw: Any, source: str) -> CrisisResources:
    if not isinstance(raw, Mapping) or set(raw) != {"heading", "lines", "citations"}:
        raise ImproperlyConfigured(
            f"{source}: locale {locale!r} needs exactly heading, lines and citations."
        )
    lines = raw["lines"]
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) and x for x in lines):
        raise ImproperlyConfigured(f"{source}: locale {locale!r}: lines must be a list of text.")
    bibliography = registry().of(Citation)
    cited = []
    for ref in raw["citations"] or []:
        if ref not in bibliography:
            raise ImproperlyConfigured(
                f"{source}: locale {locale!r} cites {ref!r}, which is not in the bibliography."
            )
        cited.append(bibliography[ref])
    if not cited:
        raise ImproperlyConfigured(f"{source}: locale {locale!r} must cite its sources.")
    return CrisisResources(locale, str(raw["heading"]), tuple(lines), tuple(cited))


def load(path: Path) -> dict[str, CrisisResources]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, Mapping) or not raw:
        raise ImproperlyConfigured(f"{path}: expected locales, each with its resources.")
    return {str(locale): _entry(str(locale), entry, str(path)) for locale, entry in raw.items()}


@functools.cache
def _configured(locale: str, clinic_file: str) -> CrisisResources:
    resources = load(SHIPPED)
    if clinic_file:
        resources.update(load(Path(clinic_file)))
    if locale not in resources:
        raise ImproperlyConfigured(
            f"ACUCARE_CRISIS_LOCALE is {locale!r}; the crisis resources cover "
            f"{', '.join(sorted(resources))}. Add the locale in ACUCARE_CRISIS_RESOURCES_FILE."
        )
    return resources[locale]


def crisis_resources() -> CrisisResources:
    """The clinic's crisis resources for its locale."""
    return _configured(settings.ACUCARE_CRISIS_LOCALE, settings.ACUCARE_CRISIS_RESOURCES_FILE)


def check_crisis_resources(**_kwargs: object) -> list[Error]:
    """The system check (registered in `PortalConfig.ready`)."""
    try:
        crisis_resources()
    except (ImproperlyConfigured, OSError, yaml.YAMLError) as error:
        return [Error(str(error), id="portal.E001")]
    return []
