"""The body-site vocabulary of the interface spec, with what a pain drawing needs.

A base region (``knee``) is either unsided (``lower_back``) or has a left and a right
site (``left_knee``/``right_knee``; the jaw is spelled ``jaw_left``/``jaw_right``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from acucare.kb.records.base import STRICT, CitationRef, CollectionSpec, NonEmptyStr, Problem

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

View = Literal["front", "back", "both", "side"]
Limb = Literal["arm", "leg", "none"]


@dataclass(frozen=True)
class BodyRegion:
    __pydantic_config__ = STRICT

    id: NonEmptyStr  # base region name, e.g. "knee"
    label: NonEmptyStr  # display label for the pain drawing, e.g. "Knee"
    views: tuple[View, ...]  # where the region is drawn on the body map
    limb: Limb
    sided: bool
    # The spec's site names: {"left": "left_knee", "right": "right_knee"} or {"midline": "neck"}.
    sites: dict[Literal["left", "right", "midline"], NonEmptyStr]
    citations: tuple[CitationRef, ...] = ()

    def site_names(self) -> tuple[str, ...]:
        return tuple(self.sites.values())


COLLECTION = CollectionSpec("body_sites", BodyRegion, "id")


def check(registry: Registry) -> Iterator[Problem]:
    for key, region in registry.of(BodyRegion).items():
        where = f"{registry.source_of('body_sites', key)}: {key}"
        expected = {"left", "right"} if region.sided else {"midline"}
        if set(region.sites) != expected:
            yield Problem(where, f"sites must have exactly the keys {sorted(expected)}")
