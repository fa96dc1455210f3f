"""Reads for the education pages. They come from the knowledge base, not the database:
the pages hold no patient data, so anyone may read them and nothing is audited.

The portal (a higher app) picks pages for a patient with `page_for_condition` and
`pages_for_care_layer_groups`; it links to `EducationPageView.url`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse

from acucare.kb import registry
from acucare.kb.records.citations import Citation
from acucare.kb.records.education import (
    EVIDENCE_LABELS,
    INDEX_BY_CONDITION,
    INDEX_BY_LAYER_GROUP,
    INDEX_BY_SLUG,
    TOPIC_NAMES,
    EducationPage,
)


@dataclass(frozen=True)
class SourceView:
    number: int
    text: str  # authors, year, title and publisher, as a reader cites it
    url: str


@dataclass(frozen=True)
class StatementView:
    text: str
    label: str  # the evidence label in the clinic's words
    label_kind: str  # for styling only, never shown
    sources: tuple[int, ...]  # numbers in the page's source list


@dataclass(frozen=True)
class SectionView:
    heading: str
    statements: tuple[StatementView, ...]


@dataclass(frozen=True)
class EducationPageView:
    slug: str
    title: str
    summary: str
    topic: str  # the topic's name in the clinic's words
    url: str
    sections: tuple[SectionView, ...] = ()
    sources: tuple[SourceView, ...] = ()


def _url(slug: str) -> str:
    return reverse("education:page", kwargs={"slug": slug})


def _source_text(citation: Citation) -> str:
    return f"{citation.authors} ({citation.year}). {citation.title}. {citation.publisher}."


def _source_url(citation: Citation) -> str:
    if citation.doi:
        return f"https://doi.org/{citation.doi}"
    return citation.url


def _summary(page: EducationPage) -> EducationPageView:
    return EducationPageView(
        slug=page.slug,
        title=page.title,
        summary=page.summary,
        topic=TOPIC_NAMES[page.topic],
        url=_url(page.slug),
    )


def _full(page: EducationPage) -> EducationPageView:
    bibliography = registry().of(Citation)
    numbers: dict[str, int] = {}
    sections = []
    for section in page.sections:
        statements = []
        for statement in section.statements:
            cited = []
            for ref in statement.citations:
                number = numbers.setdefault(ref.id, len(numbers) + 1)
                if number not in cited:
                    cited.append(number)
            statements.append(
                StatementView(
                    text=statement.text,
                    label=EVIDENCE_LABELS[statement.label],
                    label_kind=statement.label,
                    sources=tuple(cited),
                )
            )
        sections.append(SectionView(heading=section.heading, statements=tuple(statements)))
    sources = tuple(
        SourceView(number=n, text=_source_text(entry), url=_source_url(entry))
        for key, n in numbers.items()
        for entry in (bibliography[key],)
    )
    summary = _summary(page)
    return EducationPageView(
        slug=summary.slug,
        title=summary.title,
        summary=summary.summary,
        topic=summary.topic,
        url=summary.url,
        sections=tuple(sections),
        sources=sources,
    )


def _active_pages() -> list[EducationPage]:
    pages = registry().of(EducationPage).values()
    return sorted((p for p in pages if p.status == "active"), key=lambda p: (p.rank, p.title))


def education_index() -> list[tuple[str, list[EducationPageView]]]:
    """The active pages grouped by topic, in the knowledge base's order."""
    groups: dict[str, list[EducationPageView]] = {}
    for page in _active_pages():
        view = _summary(page)
        groups.setdefault(view.topic, []).append(view)
    return list(groups.items())


def education_page(*, slug: str) -> EducationPageView:
    """One page with its statements and numbered sources; an unknown address is a 404."""
    key = registry().index(INDEX_BY_SLUG).get(slug)
    if key is None:
        raise Http404("No such page")
    return _full(registry().of(EducationPage)[key])


def page_for_condition(condition_id: str) -> EducationPageView | None:
    """The evidence page for a condition group (a condition id of the knowledge base)."""
    key = registry().index(INDEX_BY_CONDITION).get(condition_id)
    return None if key is None else _summary(registry().of(EducationPage)[key])


def pages_for_care_layer_groups(groups: Iterable[str]) -> list[EducationPageView]:
    """The self-care pages for the care-layer groups of a plan, each page once, in order."""
    index = registry().index(INDEX_BY_LAYER_GROUP)
    keys = {index[g] for g in groups if g in index}
    pages = registry().of(EducationPage)
    return [_summary(pages[k]) for k in sorted(keys, key=lambda k: (pages[k].rank, k))]
