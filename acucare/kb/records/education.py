"""Education pages for patients: plain-language, evidence-labelled and cited.

A page is a record with its topic, its sections and, in each section, its statements.
Every statement carries a patient-facing evidence label (how sure the science is, in the
clinic's words) and the bibliography ids it rests on; a statement may not rest on an
unverified source, so nothing the research could not confirm reaches a patient.

Pages about the evidence name the condition groups they cover, and self-care pages the
care-layer groups; the cross-checks make sure every condition group and every care-layer
group the knowledge base holds has its page, so the portal can always pick one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from acucare.kb.constraints import Ge, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    RecordStatus,
)

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

Topic = Literal["session", "safety", "course", "evidence", "alongside", "self_care"]
EvidenceLabel = Literal["strong", "moderate", "limited", "mixed", "observed", "guidance"]

# The words a patient reads for each label, stated once (the pages and the docs read them).
EVIDENCE_LABELS: dict[str, str] = {
    "strong": "Strong evidence: large studies agree",
    "moderate": "Moderate evidence: good studies, some doubt remains",
    "limited": "Limited evidence: few or small studies",
    "mixed": "Mixed evidence: studies do not agree",
    "observed": "What studies of patients saw",
    "guidance": "Advice from health guidelines or safety studies",
}
TOPIC_NAMES: dict[str, str] = {
    "session": "Your sessions",
    "safety": "Safety",
    "course": "Your course",
    "evidence": "What the research says",
    "alongside": "Acupuncture and your other care",
    "self_care": "Looking after yourself",
}

# A page's address under /portal/learn/: lower-case words joined by hyphens.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
INDEX_BY_SLUG = "education_by_slug"
INDEX_BY_CONDITION = "education_by_condition"
INDEX_BY_LAYER_GROUP = "education_by_layer_group"


@dataclass(frozen=True)
class Statement:
    __pydantic_config__ = STRICT

    text: NonEmptyStr
    label: EvidenceLabel
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]


@dataclass(frozen=True)
class Section:
    __pydantic_config__ = STRICT

    heading: NonEmptyStr
    statements: Annotated[tuple[Statement, ...], MinLen(1)]


@dataclass(frozen=True)
class EducationPage:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    version: Annotated[int, Ge(1)]
    slug: NonEmptyStr
    title: NonEmptyStr
    summary: NonEmptyStr
    topic: Topic
    rank: Annotated[int, Ge(0)]  # order on the index page
    status: RecordStatus
    sections: Annotated[tuple[Section, ...], MinLen(1)]
    conditions: tuple[NonEmptyStr, ...] = ()  # condition ids an evidence page covers
    care_layer_groups: tuple[NonEmptyStr, ...] = ()  # care-layer groups a self-care page covers

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def statements(self) -> Iterator[Statement]:
        for section in self.sections:
            yield from section.statements


COLLECTION = CollectionSpec("education", EducationPage, "id")


def build_indexes(registry: Registry) -> dict[str, dict[str, str]]:
    """slug -> page id, condition id -> page id, care-layer group -> page id (active pages)."""
    by_slug: dict[str, str] = {}
    by_condition: dict[str, str] = {}
    by_group: dict[str, str] = {}
    for key, page in sorted(registry.of(EducationPage).items()):
        if page.status != "active":
            continue
        by_slug.setdefault(page.slug, key)
        for condition in page.conditions:
            by_condition.setdefault(condition, key)
        for group in page.care_layer_groups:
            by_group.setdefault(group, key)
    return {
        INDEX_BY_SLUG: by_slug,
        INDEX_BY_CONDITION: by_condition,
        INDEX_BY_LAYER_GROUP: by_group,
    }


def _page_problems(page: EducationPage, registry: Registry) -> Iterator[str]:
    if not re.match(SLUG_PATTERN, page.slug):
        yield f"slug '{page.slug}' must be lower-case words joined by hyphens"
    if page.topic == "evidence" and not page.conditions:
        yield "an evidence page names the condition groups it covers"
    if page.topic != "evidence" and page.conditions:
        yield "only an evidence page names condition groups"
    if page.topic == "self_care" and not page.care_layer_groups:
        yield "a self-care page names the care-layer groups it covers"
    if page.topic != "self_care" and page.care_layer_groups:
        yield "only a self-care page names care-layer groups"
    yield from _reference_problems(page, registry)
    for s_index, section in enumerate(page.sections):
        for index, statement in enumerate(section.statements):
            unverified = [ref.id for ref in statement.citations if ref.evidence == "unverified"]
            if unverified:
                where = f"sections[{s_index}].statements[{index}]"
                yield f"{where} cites unverified sources {unverified}: patients read checked facts"


def _reference_problems(page: EducationPage, registry: Registry) -> Iterator[str]:
    conditions = registry.collections.get("conditions")
    for condition in page.conditions:
        if conditions is not None and condition not in conditions:
            yield f"unknown condition id '{condition}'"
    groups = {layer.group for layer in registry.collections.get("care_layers", {}).values()}
    for group in page.care_layer_groups:
        if group not in groups:
            yield f"unknown care-layer group '{group}'"


def check(registry: Registry) -> Iterator[Problem]:
    pages = registry.of(EducationPage)
    slugs: dict[str, str] = {}
    for key, page in pages.items():
        where = f"{registry.source_of('education', key)}: {key}"
        for message in _page_problems(page, registry):
            yield Problem(where, message)
        first = slugs.setdefault(page.slug, key)
        if first != key:
            yield Problem(where, f"slug '{page.slug}' is already used by {first}")
    active = [page for page in pages.values() if page.status == "active"]
    covered_conditions = {c for page in active for c in page.conditions}
    for condition in sorted(registry.collections.get("conditions", {})):
        if condition not in covered_conditions:
            yield Problem("knowledge/education", f"no evidence page covers condition '{condition}'")
    covered_groups = {g for page in active for g in page.care_layer_groups}
    layers = registry.collections.get("care_layers", {}).values()
    for group in sorted({layer.group for layer in layers}):
        if group not in covered_groups:
            message = f"no self-care page covers care-layer group '{group}'"
            yield Problem("knowledge/education", message)
    for topic in TOPIC_NAMES:
        if not any(page.topic == topic for page in active):
            yield Problem("knowledge/education", f"no active page on topic '{topic}'")
