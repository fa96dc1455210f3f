"""Outcome pieces other pages include: the chart summary at the top of the patient chart,
the due measurements on the session form and the pain chart on the treatment page; and
the filters that put the engine's words into clinic words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from acucare.kb import registry
from acucare.kb.records.citations import Citation
from acucare.outcomes import engine, selectors
from acucare.outcomes.progress import ACTION_LABELS, TIER_LABELS

register = template.Library()


@register.filter
def instrument_name(value: object) -> str:
    return engine.instrument_names([str(value)])[0] if value else "—"


@register.filter
def instrument_names(value: object) -> str:
    ids = [str(v) for v in value] if isinstance(value, list | tuple) else []
    return ", ".join(engine.instrument_names(ids))


@register.filter
def tier_label(value: object) -> str:
    return TIER_LABELS.get(str(value), "Not judged") if value else "Not judged"


@register.filter
def action_label(value: object) -> str:
    return ACTION_LABELS.get(str(value), str(value or "—"))


@register.filter
def add_list(first: object, second: object) -> list[Any]:
    items: list[Any] = []
    for part in (first, second):
        if isinstance(part, list | tuple):
            items.extend(part)
    return list(dict.fromkeys(items))


@register.filter
def chart_alerts(summary: Any, assessments: Any) -> list[Any]:
    if summary is None or not isinstance(assessments, dict):
        return []
    return selectors.chart_alerts(summary, assessments)


@register.filter
def citation_entries(ids: Sequence[str]) -> list[Citation]:
    citations = registry().of(Citation)
    return [citations[i] for i in dict.fromkeys(ids) if i in citations]


@register.inclusion_tag("outcomes/_due.html")
def due_measurements(plan: Any) -> dict[str, Any]:
    """For the session form, whose view read the plan through the treatment selectors."""
    progress = selectors.plan_progress(plan)
    return {"due": progress.due, "episode": plan.episode}


@register.inclusion_tag("outcomes/_episode_chart.html")
def episode_pain_chart(episode: Any, plans: list[Any]) -> dict[str, Any]:
    """For the treatment page of an episode its view has already read (and audited),
    with the plans and sessions it read."""
    progress = selectors.chart_progress([episode], {episode.pk: plans})[episode.pk]
    return {"progress": progress, "episode": episode}
