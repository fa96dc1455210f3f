"""The knowledge base: YAML records validated once into an immutable registry."""

from __future__ import annotations

from functools import cache

from acucare.kb.registry import Registry


@cache
def registry() -> Registry:
    """The shipped knowledge base, validated (or read from cache) once per process."""
    from acucare.kb.loader import KnowledgeBaseError, load

    result = load()
    if result.registry is None:
        raise KnowledgeBaseError(result.problems)
    return result.registry


__all__ = ["Registry", "registry"]
