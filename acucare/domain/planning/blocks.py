"""What the screening (and the patient) rule out, and why: the planner's single gate.

Every point, side, site, limb, modality and technique the planner proposes passes through
`Blocks`; nothing reaches a plan that the screening blocks. Each block remembers the
finding that set it, so that a substitution can say why it was needed and cite the same
sources. The screening document is read as published (``acucare.screening/1`` with
acucare's extensions ``blocked_point_sides``, ``blocked_techniques`` and
``blocked_modality_sites``, and the same keys inside each finding's ``blocks``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SIDES = ("left", "right")
LIMBS = ("arm", "leg")
DECLINED = "patient_preference"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something is ruled out: the screening rule (or the patient's choice) and sources."""

    rule: str
    message: str
    citations: tuple[str, ...]

    def text(self) -> str:
        return plain(self.message)


def plain(message: str) -> str:
    """A finding's message as a clause: "Skin lesion — no treatment. (left knee)" reads
    "Skin lesion — no treatment (left knee)"."""
    return message.replace(". (", " (").strip().rstrip(".")


@dataclass(frozen=True, slots=True)
class Restriction:
    """A technique or modality ruled out everywhere, or only at some sites or points."""

    name: str
    sites: frozenset[str]
    points: frozenset[str]
    point_sides: frozenset[tuple[str, str]]
    reason: Reason

    @property
    def everywhere(self) -> bool:
        return not (self.sites or self.points or self.point_sides)

    def applies(self, code: str, side: str, site: str | None) -> bool:
        if self.everywhere:
            return True
        return (
            code in self.points
            or (code, side) in self.point_sides
            or (site is not None and site in self.sites)
        )


def _code_side(entry: Any) -> tuple[str, str | None] | None:
    """A blocked point: "LI4", or {"code": "LI4", "side": "left"}."""
    if isinstance(entry, str):
        return entry, None
    if isinstance(entry, Mapping) and isinstance(entry.get("code"), str):
        given = entry.get("side")
        return str(entry["code"]), given if isinstance(given, str) and given else None
    return None


def _restrictions(entries: Iterable[Any], key: str, reason: Reason) -> list[Restriction]:
    found: list[Restriction] = []
    for entry in entries or ():
        if not isinstance(entry, Mapping) or not isinstance(entry.get(key), str):
            continue
        sides = {
            (str(p["code"]), str(p["side"]))
            for p in entry.get("point_sides") or ()
            if isinstance(p, Mapping) and "code" in p and "side" in p
        }
        found.append(
            Restriction(
                name=str(entry[key]),
                sites=frozenset(str(s) for s in entry.get("sites") or ()),
                points=frozenset(str(p) for p in entry.get("points") or ()),
                point_sides=frozenset(sides),
                reason=reason,
            )
        )
    return found


@dataclass(frozen=True)
class Blocks:
    """The screening's blocks as lookups, each with the reason that set it."""

    modalities: Mapping[str, Reason]
    points: Mapping[tuple[str, str | None], Reason]  # side None: on every side
    sites: Mapping[str, Reason]
    limbs: Mapping[str, Reason]
    modality_restrictions: tuple[Restriction, ...]
    techniques: tuple[Restriction, ...]
    # Sites to prefer to avoid (diabetes: the lower legs and feet): a warning, not a block.
    caution_sites: Mapping[str, Reason] = field(default_factory=dict)

    @classmethod
    def from_screening(
        cls, screening: Mapping[str, Any], declined_modalities: Sequence[str] = ()
    ) -> Blocks:
        found = _Gathered()
        for finding in screening.get("findings") or ():
            reason = Reason(
                rule=str(finding.get("rule", "")),
                message=str(finding.get("message", "")),
                citations=tuple(str(c) for c in finding.get("citations") or ()),
            )
            found.gather(finding.get("blocks") or {}, reason, "")
            for site in finding.get("caution_sites") or ():
                found.cautions.setdefault(str(site), reason)
        for site in screening.get("caution_sites") or ():
            found.cautions.setdefault(str(site), Reason("screening", "a caution site", ()))
        # The top-level lists are authoritative: a block listed there that no finding
        # explains still blocks (fail closed), with a generic reason.
        found.gather(
            screening, Reason("screening", "blocked by the safety screening", ()), "blocked_"
        )
        declined = Reason(DECLINED, "the patient declined this modality", ())
        for modality in declined_modalities:
            found.modalities.setdefault(str(modality), declined)
        return cls(
            found.modalities,
            found.points,
            found.sites,
            found.limbs,
            tuple(found.modality_restrictions),
            tuple(found.techniques),
            found.cautions,
        )

    def caution_at(self, site: str | None) -> Reason | None:
        """Why a site is one to prefer to avoid, or None."""
        return self.caution_sites.get(site) if site is not None else None

    def modality(self, modality: str) -> Reason | None:
        return self.modalities.get(modality)

    def code_blocked(self, code: str) -> Reason | None:
        """Blocked whatever the side (as opposed to one side, one site or one limb)."""
        return self.points.get((code, None))

    def point_side(
        self, code: str, side: str, site: str | None, limb: str, modality: str | None = None
    ) -> Reason | None:
        """Why needling `code` on `side` is ruled out, or None when it is allowed.

        `site` is the body site the point lies in on that side (``left_knee``, or the unsided
        ``lower_back``); `limb` is ``arm``, ``leg`` or ``none``; `modality`, when given, also
        applies that modality's site restrictions (e.g. no needling over breast implants).
        """
        sides = SIDES if side == "midline" else (side,)
        reason = self.points.get((code, None))
        for one in sides:
            reason = reason or self.points.get((code, one))
        if reason is not None:
            return reason
        if site is not None and site in self.sites:
            return self.sites[site]
        if limb in LIMBS and side in SIDES and (found := self.limbs.get(f"{side}_{limb}")):
            return found
        if modality is not None:
            return self.modality_at(modality, code, side, site)
        return None

    def modality_at(self, modality: str, code: str, side: str, site: str | None) -> Reason | None:
        """Why `modality` may not be used at this point, or None."""
        for restriction in self.modality_restrictions:
            if restriction.name == modality and restriction.applies(code, side, site):
                return restriction.reason
        return None

    def technique_at(self, technique: str, code: str, side: str, site: str | None) -> Reason | None:
        """Why a technique (deep needling, strong electroacupuncture…) is ruled out here."""
        for restriction in self.techniques:
            if restriction.name == technique and restriction.applies(code, side, site):
                return restriction.reason
        return None


@dataclass
class _Gathered:
    """The blocks of a screening document, gathered finding by finding (first reason wins)."""

    modalities: dict[str, Reason] = field(default_factory=dict)
    points: dict[tuple[str, str | None], Reason] = field(default_factory=dict)
    sites: dict[str, Reason] = field(default_factory=dict)
    limbs: dict[str, Reason] = field(default_factory=dict)
    modality_restrictions: list[Restriction] = field(default_factory=list)
    techniques: list[Restriction] = field(default_factory=list)
    cautions: dict[str, Reason] = field(default_factory=dict)

    def gather(self, blocks: Mapping[str, Any], reason: Reason, prefix: str) -> None:
        """The blocks object of a finding (`prefix` ""), or the screening's `blocked_` lists."""
        for modality in blocks.get(f"{prefix}modalities") or ():
            self.modalities.setdefault(str(modality), reason)
        for entry in (
            *(blocks.get(f"{prefix}points") or ()),
            *(blocks.get(f"{prefix}point_sides") or ()),
        ):
            key = _code_side(entry)
            if key is not None:
                self.points.setdefault(key, reason)
        for site in blocks.get(f"{prefix}sites") or ():
            self.sites.setdefault(str(site), reason)
        for limb in blocks.get(f"{prefix}limbs") or ():
            self.limbs.setdefault(str(limb), reason)
        self.restrictions(
            self.modality_restrictions, blocks.get(f"{prefix}modality_sites"), "modality", reason
        )
        self.restrictions(self.techniques, blocks.get(f"{prefix}techniques"), "technique", reason)

    @staticmethod
    def restrictions(
        target: list[Restriction], entries: Iterable[Any] | None, name_key: str, reason: Reason
    ) -> None:
        """Add the restrictions of `entries` that `target` does not have yet."""
        known = {(r.name, r.sites, r.points, r.point_sides) for r in target}
        for restriction in _restrictions(entries or (), name_key, reason):
            shape = (
                restriction.name,
                restriction.sites,
                restriction.points,
                restriction.point_sides,
            )
            if shape not in known:
                target.append(restriction)
                known.add(shape)
