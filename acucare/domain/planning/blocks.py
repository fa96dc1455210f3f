"""What the screening (and the patient) rule out, and why: the planner's single gate.

Every point, side, site, limb, modality and technique the planner proposes passes through
`Blocks`; nothing reaches a plan that the screening blocks. Each block remembers the
finding that set it, so that a substitution can say why it was needed and cite the same
sources. The typed `Screening` is read: each finding's `Blocked`, then the screening's own
`blocked` (the union, which also holds what no finding explains).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from acucare.domain.screening import Blocked, Screening
from acucare.domain.screening import Restriction as ScreeningRestriction

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


def _restrictions(entries: Iterable[ScreeningRestriction], reason: Reason) -> list[Restriction]:
    return [
        Restriction(
            name=entry.name,
            sites=entry.sites,
            points=entry.points.points,
            point_sides=entry.points.point_sides,
            reason=reason,
        )
        for entry in entries
    ]


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
        cls, screening: Screening, declined_modalities: Sequence[str] = ()
    ) -> Blocks:
        found = _Gathered()
        for finding in screening.findings:
            reason = Reason(finding.rule, finding.message, finding.citations)
            found.gather(finding.blocks, reason)
            for site in finding.caution_sites:
                found.cautions.setdefault(site, reason)
        for site in screening.caution_sites:
            found.cautions.setdefault(site, Reason("screening", "a caution site", ()))
        # The screening's union is authoritative: a block in it that no finding explains
        # still blocks (fail closed), with a generic reason.
        found.gather(screening.blocked, Reason("screening", "blocked by the safety screening", ()))
        declined = Reason(DECLINED, "the patient declined this modality", ())
        for modality in declined_modalities:
            found.modalities.setdefault(modality, declined)
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

    def gather(self, blocked: Blocked, reason: Reason) -> None:
        """What one finding, or the whole screening, blocks (the first reason stays)."""
        for modality in blocked.modalities:
            self.modalities.setdefault(modality, reason)
        keys: list[tuple[str, str | None]] = [(code, None) for code in blocked.points]
        keys.extend(blocked.point_sides)
        for key in keys:
            self.points.setdefault(key, reason)
        for site in blocked.sites:
            self.sites.setdefault(site, reason)
        for limb in blocked.limbs:
            self.limbs.setdefault(limb, reason)
        self.restrictions(self.modality_restrictions, blocked.modality_sites, reason)
        self.restrictions(self.techniques, blocked.techniques, reason)

    @staticmethod
    def restrictions(
        target: list[Restriction], entries: Iterable[ScreeningRestriction], reason: Reason
    ) -> None:
        """Add the restrictions of `entries` that `target` does not have yet."""
        known = {(r.name, r.sites, r.points, r.point_sides) for r in target}
        for restriction in _restrictions(entries, reason):
            shape = (
                restriction.name,
                restriction.sites,
                restriction.points,
                restriction.point_sides,
            )
            if shape not in known:
                target.append(restriction)
                known.add(shape)
