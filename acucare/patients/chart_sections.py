"""Sections that apps built on patients add to the patient chart page.

`patients` sits below `assessments`, `scheduling` and `treatment` (the app layers in
`pyproject.toml`), so the chart cannot import them. Each of those apps registers a
section in its `AppConfig.ready()`: a function of the actor and the chart (whose access
was checked and read audited by `selectors.patient_chart`) that returns what the chart
template shows under that name. A section reads through its own app's selectors.
"""

from __future__ import annotations

from collections.abc import Callable

from acucare.core.actor import Actor
from acucare.patients.selectors import PatientChart

ChartSection = Callable[[Actor, PatientChart], object]

_SECTIONS: dict[str, ChartSection] = {}


def register_chart_section(name: str, section: ChartSection) -> None:
    """Add (or replace, when an app is reloaded) the chart section `name`."""
    _SECTIONS[name] = section


def chart_sections(actor: Actor, chart: PatientChart) -> dict[str, object]:
    """Every registered section for this chart, by name (the template's context keys)."""
    return {name: section(actor, chart) for name, section in sorted(_SECTIONS.items())}
