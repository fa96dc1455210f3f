"""Outcome pieces other pages include: the chart summary at the top of the patient chart,
the due measurements on the session form and the pain chart on the treatment page; and
the filters that put the engine's words into clinic words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import template

from acucare.assessments.questions import LEVEL_LABELS
from acucare.kb import registry
from acucare.kb.records.citations import Citation
from acucare.outcomes import engine, selectors
from acucare.outcomes.progress import ACTION_LABELS, TIER_LABELS, Progress

register = template.Library()

# Alerts the chart summary shows from a current screening, most severe first.
ALERT_LEVELS = ("urgent", "refer", "block", "warn")


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
def citation_entries(ids: Sequence[str]) -> list[Citation]:
    citations = registry().of(Citation)
    return [citations[i] for i in dict.fromkeys(ids) if i in citations]


@dataclass(frozen=True)
class Alert:
    level: str
    text: str
    episode: str


@dataclass(frozen=True)
class EpisodeSummary:
    progress: Progress
    chart_id: str


@dataclass(frozen=True)
class ChartSummary:
    alerts: list[Alert]
    episodes: list[EpisodeSummary]


def _alerts(episode: Any, assessment: Any) -> list[Alert]:
    if assessment is None:
        return []
    pending = {str(f.get("rule")) for f in assessment.unacknowledged()}
    found: list[Alert] = []
    for finding in assessment.findings:
        level = str(finding.get("level"))
        if level not in ALERT_LEVELS:
            continue
        if level in ("urgent", "refer") and str(finding.get("rule")) not in pending:
            continue  # acknowledged: acted on
        label = LEVEL_LABELS.get(level, level)
        if level in ("urgent", "refer"):
            label = f"{label} (not acknowledged)"
        elif level == "warn":
            label = "Caution"
        if "allerg" in str(finding.get("rule", "")):
            label = "Allergy"
        found.append(Alert(label, str(finding.get("message", "")), episode.complaint))
    order = {lvl: i for i, lvl in enumerate(ALERT_LEVELS)}
    return sorted(found, key=lambda a: order.get(_level_of(a), 9))


def _level_of(alert: Alert) -> str:
    for level, label in LEVEL_LABELS.items():
        if alert.level.startswith(label):
            return level
    return "warn"


@register.inclusion_tag("outcomes/_summary.html")
def chart_summary(episodes: Sequence[Any], assessments: Mapping[int, Any]) -> dict[str, Any]:
    """For the patient chart, whose selector checked access and recorded the read."""
    open_episodes = [e for e in episodes if e.status != "discharged"]
    progress = selectors.chart_progress(open_episodes)
    alerts = [a for e in open_episodes for a in _alerts(e, assessments.get(e.pk))]
    return {
        "summary": ChartSummary(
            alerts,
            [
                EpisodeSummary(progress[e.pk], f"summary-chart-{i}")
                for i, e in enumerate(open_episodes)
            ],
        )
    }


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
