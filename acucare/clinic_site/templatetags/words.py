"""`{% load words %}` then `{{ value|words }}` or `{{ values|words_list }}`:
identifiers shown as words (acucare.core.words)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from acucare.core import words as core_words

register = template.Library()


@register.filter
def words(value: object) -> str:
    return core_words.words(value)


@register.filter
def words_list(values: Iterable[object] | None) -> str:
    return ", ".join(core_words.words(v) for v in values or ())


@register.filter
def prose(value: object) -> str:
    return core_words.prose(value)
