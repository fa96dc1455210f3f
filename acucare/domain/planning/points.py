"""Choosing a patient's points from a protocol: fixed points, local and distal pools, sides.

The rules, in the order they are applied:

1. The painful regions the protocol serves come from the pain drawing (a site's region);
   when the drawing names none of them, the protocol's default regions are assumed and
   the plan says so.
2. Fixed points are always proposed, on the sides the protocol gives (both, midline, or
   the painful side).
3. Local pool points are taken, for each painful region in turn, in the protocol's listing
   order, from the points that lie in that region; distal pool points in listing order.
4. A point, side, site or limb that the screening blocks is never used: a blocked side of
   a bilateral point leaves the other side; a painful side that is blocked moves the point
   to the other side (contralateral needling); a blocked point is replaced by the next
   allowed point of its list, or by a distal point; if nothing fits, it is left out. Every
   such change is recorded as a substitution with its reason and sources.
5. The needle count stays within the protocol's range; needle-sparing plans (needle
   phobia) take the pools' minimum.
6. Distal points on a caution site of the screening (diabetes: the lower legs and feet)
   come after the rest of their list, so they are used only when nothing else fits; a
   planned point on a caution site carries the caution among its limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from acucare.domain.planning.blocks import Blocks, Reason
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.protocols import PointPool, Protocol, ProtocolPoint, point_acts

BOTH = ("left", "right")
MIDLINE = ("midline",)
NEEDLING = "manual_acupuncture"
# Sources for needling the other side when the painful side cannot be needled.
CONTRALATERAL_SOURCES = ("kim2010", "hu2019")


def side_label(sides: Sequence[str]) -> str:
    if tuple(sides) == MIDLINE:
        return "midline"
    if set(sides) == set(BOTH):
        return "bilateral"
    return sides[0]


def _side_words(sides: Sequence[str]) -> str:
    return {"bilateral": "on both sides", "midline": "on the midline"}.get(
        side_label(sides), f"on the {side_label(sides)} side"
    )


@dataclass(frozen=True, slots=True)
class PainSite:
    site: str
    region: str
    side: str  # left, right or midline


@dataclass(frozen=True)
class PointCaution:
    """A caution the session check found at a planned point, once per rule and side."""

    rule: str
    level: str
    side: object  # as the finding's subject gives it ("left", "bilateral", ...)
    message: str
    action: str
    citations: tuple[str, ...]

    def as_document(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "level": self.level,
            "side": self.side,
            "message": self.message,
            "action": self.action,
            "citations": list(self.citations),
        }


@dataclass(frozen=True, slots=True)
class PlannedPoint:
    code: str
    sides: tuple[str, ...]
    role: str
    why: str
    citations: tuple[str, ...]
    region: str
    needles_per_side: int = 1
    origin: str = "fixed"  # fixed, pool, substitute
    depth_mm: tuple[float, float | None] | None = None
    technique: str = ""
    electro: bool | None = None  # set only for electroacupuncture plans
    limits: tuple[str, ...] = ()  # techniques ruled out at this point, with the reason
    cautions: tuple[PointCaution, ...] = ()  # what the session check says at this point

    @property
    def side(self) -> str:
        return side_label(self.sides)

    @property
    def needles(self) -> int:
        return self.needles_per_side * len(self.sides)

    def as_document(self) -> dict[str, object]:
        document: dict[str, object] = {
            "code": self.code,
            "side": self.side,
            "role": self.role,
            "why": self.why,
            "citations": list(self.citations),
            "needles": self.needles,
        }
        if self.depth_mm is not None:
            low, high = self.depth_mm
            document["depth_mm"] = {"min": low, "max": high}
        if self.technique:
            document["technique"] = self.technique
        if self.electro is not None:
            document["electrical_stimulation"] = self.electro
        if self.limits:
            document["limits"] = list(self.limits)
        if self.cautions:
            document["cautions"] = [c.as_document() for c in self.cautions]
        return document


@dataclass(frozen=True, slots=True)
class Substitution:
    kind: str  # one_side, contralateral, next_in_list, distal, omitted, region_blocked, ...
    instead_of: Mapping[str, object]
    use: Mapping[str, object] | None
    why: str
    citations: tuple[str, ...]

    def as_document(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "instead_of": self.instead_of,
            "use": self.use,
            "why": self.why,
            "citations": list(self.citations),
        }


@dataclass
class Selection:
    points: list[PlannedPoint] = field(default_factory=list)
    substitutions: list[Substitution] = field(default_factory=list)
    regions: tuple[str, ...] = ()  # painful regions the protocol serves, in drawing order
    assumed_regions: bool = False
    ashi_count: tuple[int, int] = (0, 0)  # (min, max) tender points proposed
    ashi_note: str = ""
    lost_regions: tuple[str, ...] = ()  # painful regions whose local points were all blocked
    lost_limbs: tuple[str, ...] = ()  # limbs whose points were lost to a block

    @property
    def needles(self) -> int:
        return sum(p.needles for p in self.points) + self.ashi_count[0]

    def used(self) -> set[str]:
        return {p.code for p in self.points}


def pain_sites(sites: Iterable[str], site_index: Mapping[str, tuple[str, str]]) -> list[PainSite]:
    result: list[PainSite] = []
    for site in sites:
        found = site_index.get(site)
        if found is not None:
            result.append(PainSite(site, found[0], found[1]))
    return result


class PointPicker:
    """Applies one protocol to one patient; every decision ends up in a `Selection`."""

    def __init__(
        self,
        protocol: Protocol,
        *,
        points: Mapping[str, Acupoint],
        regions: Mapping[str, BodyRegion],
        blocks: Blocks,
        pain: Sequence[PainSite],
        needle_sparing: bool,
    ) -> None:
        self.protocol = protocol
        self.catalogue = points
        self.regions = regions
        self.blocks = blocks
        self.needle_sparing = needle_sparing
        self.sources = tuple(ref.id for ref in protocol.citations)
        self.selection = Selection()
        served = set(protocol.default_regions)
        for pool in protocol.pools:
            served.update(pool.regions)
        matched = [p for p in pain if p.region in served]
        if matched:
            self.pain = matched
        else:
            self.pain = [
                PainSite(site, region, side)
                for region in protocol.default_regions
                for side, site in sorted(self.regions[region].sites.items())
                if region in self.regions
            ]
            self.selection.assumed_regions = bool(protocol.default_regions)
        self.selection.regions = tuple(dict.fromkeys(p.region for p in self.pain))
        self._queues: dict[str, list[ProtocolPoint]] = {}
        self._region_sides: dict[str, tuple[str, ...]] = {}
        self._chosen_in: dict[str, int] = {}
        self._skipped: dict[str, list[tuple[str, Reason]]] = {}
        self._contralateral: set[str] = set()
        self._turn = 0
        self._local_taken = 0
        self._distal_taken = 0
        self._distal_skipped: list[tuple[str, Reason]] = []
        # The distal pool's state, set by `distal` and read again by `top_up`.
        self._distal_queue: list[ProtocolPoint] = []
        self._distal_limit = 0
        sided = [p.side for p in self.pain if p.side in BOTH]
        self.affected: tuple[str, ...] = tuple(s for s in BOTH if s in sided) or BOTH

    # -- helpers -------------------------------------------------------------------------
    @property
    def _verified(self) -> bool:
        return self.protocol.status == "active"

    def _list(self, which: str = "") -> str:
        """How a point's source is named: the trial's list only when it was checked (issue 9,
        item 21); an unverified protocol's list is a recollection and is called that."""
        if self._verified:
            return f"the trial's list{f' of {which}' if which else ''}"
        kind = f"{which} " if which else ""
        return f"this protocol's {kind}list (recalled, not checked against the trial report)"

    def _name(self, code: str) -> str:
        point = self.catalogue[code]
        return f"{point.pinyin} ({code})"

    def site(self, region: str, side: str) -> str | None:
        record = self.regions.get(region)
        if record is None:
            return None
        if record.sided:
            return record.sites.get(side)  # type: ignore[call-overload, no-any-return]
        return record.sites.get("midline")

    def cautioned(self, code: str, sides: Sequence[str]) -> Reason | None:
        """Why a point lies on a site to prefer to avoid (on any of these sides), or None."""
        region = self.catalogue[code].region
        for side in sides:
            reason = self.blocks.caution_at(self.site(region, side))
            if reason is not None:
                return reason
        return None

    def _block(self, code: str, side: str) -> Reason | None:
        point = self.catalogue[code]
        site = self.site(point.region, side)
        # Body points are needled whatever the stimulation: manual needling must be allowed.
        return self.blocks.point_side(code, side, site, point.limb, NEEDLING)

    def _sources(self, entry: ProtocolPoint) -> tuple[str, ...]:
        own = tuple(ref.id for ref in entry.citations if ref.evidence != "unverified")
        return own or self.sources

    def _requested(
        self, entry: ProtocolPoint, mode: str, region_sides: Sequence[str]
    ) -> tuple[str, ...]:
        """Sides asked for: `mode` is "fixed" (the entry's own side) or the pool's side rule."""
        if self.catalogue[entry.code].laterality == "midline" or entry.side == "midline":
            return MIDLINE
        if mode == "fixed":
            mode = entry.side
        if mode == "bilateral":
            return BOTH
        if mode == "affected":
            return self.affected
        return tuple(region_sides)

    def _fits(self, extra: int) -> bool:
        limit = self.protocol.needles.max
        return limit is None or self.selection.needles + extra <= limit

    def _note_limb(self, code: str, reason: Reason, side: str) -> None:
        limb = self.catalogue[code].limb
        if limb != "none" and side in BOTH:
            name = f"{side}_{limb}"
            if name not in self.selection.lost_limbs and self.blocks.limbs.get(name) is reason:
                self.selection.lost_limbs = (*self.selection.lost_limbs, name)

    def _substitute(
        self,
        kind: str,
        instead: Mapping[str, object],
        use: Mapping[str, object] | None,
        why: str,
        reasons: Iterable[Reason],
        extra: Sequence[str] = (),
    ) -> None:
        cited = list(extra)
        for reason in reasons:
            cited.extend(reason.citations)
        self.selection.substitutions.append(
            Substitution(kind, instead, use, why, tuple(dict.fromkeys(cited)))
        )

    # -- one point -----------------------------------------------------------------------
    def _place(
        self, entry: ProtocolPoint, requested: tuple[str, ...], *, contralateral: bool
    ) -> tuple[tuple[str, ...], dict[str, Reason], str]:
        """Allowed sides for a point; 'moved' when it went to the other side."""
        blocked = {side: r for side in requested if (r := self._block(entry.code, side))}
        allowed = tuple(s for s in requested if s not in blocked)
        if allowed or not contralateral or requested == MIDLINE:
            return allowed, blocked, ""
        if self.blocks.code_blocked(entry.code) is not None:
            return (), blocked, ""
        others = tuple(s for s in BOTH if s not in requested)
        moved = tuple(s for s in others if self._block(entry.code, s) is None)
        return moved, blocked, "moved" if moved else ""

    def _add(
        self, entry: ProtocolPoint, sides: tuple[str, ...], role: str, why: str, origin: str
    ) -> PlannedPoint:
        point = self.catalogue[entry.code]
        depth = None
        if entry.depth_mm is not None:
            depth = (entry.depth_mm.min, entry.depth_mm.max)
        planned = PlannedPoint(
            code=entry.code,
            sides=sides,
            role=role,
            why=why,
            citations=self._sources(entry),
            region=point.region,
            needles_per_side=entry.needles_per_side,
            origin=origin,
            depth_mm=depth,
            technique=entry.technique,
        )
        self.selection.points.append(planned)
        return planned

    # -- fixed points ----------------------------------------------------------------------
    def fixed(self) -> list[ProtocolPoint]:
        """Place the fixed points; returns those that need a replacement.

        A fixed point goes to the other side (contralateral needling) only when the painful
        side is wholly unavailable to the protocol's painful-side points (a limb at risk, or
        a lesion over all of them); a single blocked point follows the protocol's own rule
        (left out, or replaced by a distal point).
        """
        entries = self.protocol.fixed_points
        on_painful_side = [
            e
            for e in entries
            if e.side == "affected" and self.catalogue[e.code].laterality == "bilateral"
        ]
        lost_sides = {
            side
            for side in self.affected
            if on_painful_side and all(self._block(e.code, side) for e in on_painful_side)
        }
        unplaced: list[ProtocolPoint] = []
        for entry in entries:
            role = entry.role or "local"
            requested = self._requested(entry, "fixed", BOTH)
            blocked = {side: r for side in requested if (r := self._block(entry.code, side))}
            sides = tuple(side for side in requested if side not in blocked)
            moved = False
            if (
                not sides
                and entry.side == "affected"
                and set(blocked) <= lost_sides
                and self.blocks.code_blocked(entry.code) is None
            ):
                sides = tuple(
                    side
                    for side in BOTH
                    if side not in requested and self._block(entry.code, side) is None
                )
                moved = bool(sides)
            for side, reason in blocked.items():
                self._note_limb(entry.code, reason, side)
            if not sides:
                if self.protocol.blocked_fixed_points == "omit":
                    reasons = list(dict.fromkeys(blocked.values()))
                    self._substitute(
                        "omitted",
                        {"code": entry.code, "side": side_label(requested)},
                        None,
                        f"{self._name(entry.code)} is left out "
                        f"({'; '.join(r.text() for r in reasons)}): "
                        f"{self.protocol.blocked_fixed_note}",
                        reasons,
                        self.sources,
                    )
                else:
                    unplaced.append(entry)
                continue
            where = "on the painful side" if entry.side == "affected" else _side_words(requested)
            why = (
                f"{self._name(entry.code)} is a fixed point of this protocol: every patient in "
                f"the trial had it, {where}."
                if self._verified
                else f"{self._name(entry.code)} is a fixed point of this protocol (recalled, not"
                f" checked against the trial report), {where}."
            )
            if entry.note:
                note = entry.note.rstrip(".")
                why += f" {note[0].upper()}{note[1:]}."
            if moved:
                why += (
                    f" Needled {_side_words(sides)} instead: the painful side cannot be needled"
                    f" ({'; '.join(sorted({r.text() for r in blocked.values()}))})."
                )
                self._contralateral_substitution(
                    entry.code,
                    requested,
                    sides,
                    blocked,
                    "The painful side cannot be needled at all, so the point is needled on the"
                    " other side",
                )
            elif blocked:
                why += f" Needled {_side_words(sides)} only."
                self._one_side(entry.code, requested, sides, blocked)
            self._add(entry, sides, role, why, "fixed")
        return unplaced

    def _one_side(
        self,
        code: str,
        requested: Sequence[str],
        sides: Sequence[str],
        blocked: Mapping[str, Reason],
    ) -> None:
        for side, reason in blocked.items():
            self._note_limb(code, reason, side)
        self._substitute(
            "one_side",
            {"code": code, "side": side_label(requested)},
            {"code": code, "side": side_label(sides)},
            f"Needled {_side_words(sides)} only: "
            + "; ".join(f"the {s} side is ruled out ({r.text()})" for s, r in blocked.items())
            + ".",
            blocked.values(),
        )

    # -- pools -----------------------------------------------------------------------------
    def _candidates(self, pool: PointPool) -> list[ProtocolPoint]:
        return [
            entry
            for entry in pool.points
            if point_acts(entry)
            and entry.code in self.catalogue
            and entry.code not in self.selection.used()
        ]

    def _local_queues(self, pool: PointPool) -> None:
        self._queues = {}
        self._region_sides = {}
        self._chosen_in = {}
        self._skipped = {}
        self._turn = 0
        candidates = self._candidates(pool)
        for pain in self.pain:
            if pain.region not in pool.regions:
                continue
            if pain.region not in self._queues:
                self._queues[pain.region] = [
                    e for e in candidates if self.catalogue[e.code].region == pain.region
                ]
                self._chosen_in[pain.region] = 0
                self._skipped[pain.region] = []
            sides = set(self._region_sides.get(pain.region, ())) | (
                {pain.side} if pain.side in BOTH else set(BOTH)
            )
            self._region_sides[pain.region] = tuple(s for s in BOTH if s in sides)

    def _take_local(self, pool: PointPool) -> bool:
        """Add the next local point, taking the painful regions in turn; False when none fits."""
        regions = list(self._queues)
        for offset in range(len(regions)):
            region = regions[(self._turn + offset) % len(regions)]
            queue = self._queues[region]
            while queue:
                entry = queue.pop(0)
                if entry.code in self.selection.used():
                    continue
                requested = self._requested(entry, pool.side, self._region_sides[region])
                sides, blocked, _ = self._place(entry, requested, contralateral=False)
                if not sides:
                    self._skipped[region].extend((entry.code, r) for r in blocked.values())
                    for side, reason in blocked.items():
                        self._note_limb(entry.code, reason, side)
                    continue
                if not self._fits(entry.needles_per_side * len(sides)):
                    continue
                label = self.regions[region].label.lower() if region in self.regions else region
                why = (
                    f"Local point for the {label}: {self._name(entry.code)} lies in the painful"
                    f" region and is on {self._list('local points')}; needled"
                    f" {_side_words(sides)}."
                )
                if region in self._contralateral:
                    why += (
                        " The painful side cannot be needled, so the point goes to the other"
                        " side (contralateral needling)."
                    )
                elif blocked:
                    self._one_side(entry.code, requested, sides, blocked)
                self._add(entry, sides, "local", why, "pool")
                self._chosen_in[region] += 1
                self._turn = (self._turn + offset + 1) % len(regions)
                return True
        return False

    def local(self) -> None:
        pool = self.protocol.pool("local")
        if pool is None:
            self._queues = {}
            return
        self._local_queues(pool)
        target = pool.min_points if self.needle_sparing else pool.default_points
        taken = 0
        while taken < min(target, pool.max_points) and self._take_local(pool):
            taken += 1
        # A painful side that cannot be needled at all (a limb at risk, a lesion over the
        # whole region): its points go to the other side, if that side is free.
        for region, count in self._chosen_in.items():
            sided = self.regions[region].sided if region in self.regions else False
            others = tuple(s for s in BOTH if s not in self._region_sides[region])
            if count or not sided or not others or pool.side != "site":
                continue
            self._contralateral.add(region)
            self._region_sides[region] = others
            self._queues[region] = [
                e for e in self._candidates(pool) if self.catalogue[e.code].region == region
            ]
        while taken < min(target, pool.max_points) and self._take_local(pool):
            taken += 1
        self._local_taken = taken
        self.selection.lost_regions = tuple(
            region
            for region, count in self._chosen_in.items()
            if (count == 0 or region in self._contralateral) and self._skipped[region]
        )

    def _report_local(self) -> None:
        for region, misses in self._skipped.items():
            if not misses:
                continue
            reasons = list(dict.fromkeys(r for _, r in misses))
            codes = list(dict.fromkeys(code for code, _ in misses))
            label = self.regions[region].label.lower() if region in self.regions else region
            because = "; ".join(r.text() for r in reasons)
            if region in self._contralateral and self._chosen_in[region]:
                moved = [
                    p for p in self.selection.points if p.origin == "pool" and p.region == region
                ]
                self._substitute(
                    "contralateral",
                    {"region": region, "points": codes},
                    {"points": [p.code for p in moved], "side": side_label(moved[0].sides)},
                    f"No local point of the painful {label} can be used ({because}); the local"
                    f" points of {self._list()} are needled on the other side instead"
                    " (contralateral needling, a classical approach with limited trial"
                    " evidence).",
                    reasons,
                    CONTRALATERAL_SOURCES,
                )
            elif region in self.selection.lost_regions:
                self._substitute(
                    "region_blocked",
                    {"region": region, "points": codes},
                    None,
                    f"No local point of the {label} can be used ({because}); the plan relies on"
                    " distal points instead.",
                    reasons,
                )
            else:
                self._substitute(
                    "next_in_list",
                    {"region": region, "points": codes},
                    {
                        "points": [
                            p.code
                            for p in self.selection.points
                            if p.origin == "pool" and p.region == region
                        ]
                    },
                    f"Skipped {', '.join(codes)} ({because}) and took the next points of"
                    f" {self._list()}.",
                    reasons,
                )

    def top_up(self) -> None:
        """Add local, then distal, points while the needle count is below the protocol's."""
        pool = self.protocol.pool("local")
        while self.selection.needles < self.protocol.needles.min:
            if pool is not None and self._local_taken < pool.max_points and self._take_local(pool):
                self._local_taken += 1
                continue
            if self._take_distal(""):
                continue
            break

    def distal(self, replacements: Sequence[ProtocolPoint]) -> None:
        """Distal points from the pool, then replacements for fixed points that were blocked."""
        pool = self.protocol.pool("distal")
        queue = self._candidates(pool) if pool is not None else []
        queue.sort(key=lambda entry: self.cautioned(entry.code, BOTH) is not None)
        self._distal_queue = queue
        self._distal_taken = 0
        self._distal_limit = pool.max_points + len(replacements) if pool is not None else 0
        if pool is not None:
            target = pool.min_points if self.needle_sparing else pool.default_points
            if self.selection.lost_regions:
                target = pool.max_points  # no local point at a painful region: lean on distal
            placed = 0
            while placed < target and self._take_distal("") is not None:
                placed += 1
        for entry in replacements:
            self._replace_fixed(entry)

    def _contralateral_substitution(
        self,
        code: str,
        requested: tuple[str, ...],
        sides: tuple[str, ...],
        blocked: Mapping[str, Reason],
        what: str,
    ) -> None:
        """Say that a point moved to the side without pain, and on what evidence."""
        self._substitute(
            "contralateral",
            {"code": code, "side": side_label(requested)},
            {"code": code, "side": side_label(sides)},
            f"{what} (contralateral needling, a classical approach with limited trial evidence).",
            blocked.values(),
            CONTRALATERAL_SOURCES,
        )

    def _take_distal(self, purpose: str) -> PlannedPoint | None:
        """The next distal point of the pool that can be placed (on the other side when the
        painful side cannot be needled), or None when the pool is used up."""
        pool = self.protocol.pool("distal")
        if pool is None or self._distal_taken >= self._distal_limit:
            return None
        while self._distal_queue:
            entry = self._distal_queue.pop(0)
            requested = self._requested(entry, pool.side, self.affected)
            sides, blocked, _ = self._place(entry, requested, contralateral=False)
            moved = ""
            if not sides and pool.side == "affected" and requested != MIDLINE:
                sides, blocked, moved = self._place(entry, requested, contralateral=True)
            if not sides:
                self._distal_skipped.extend((entry.code, r) for r in blocked.values())
                for side, reason in blocked.items():
                    self._note_limb(entry.code, reason, side)
                continue
            if not self._fits(entry.needles_per_side * len(sides)):
                continue
            why = (
                f"Distal point: {self._name(entry.code)} is on"
                f" {self._list('distant points')}; needled {_side_words(sides)}.{purpose}"
            )
            if moved:
                why += " The painful side cannot be needled, so it goes to the other side."
                self._contralateral_substitution(
                    entry.code,
                    requested,
                    sides,
                    blocked,
                    "The painful side cannot be needled, so the distal point is needled on"
                    " the other side",
                )
            elif blocked:
                self._one_side(entry.code, requested, sides, blocked)
            self._distal_taken += 1
            return self._add(entry, sides, "distal", why, "pool")
        return None

    def _replace_fixed(self, entry: ProtocolPoint) -> None:
        """A fixed point that cannot be used: a distal point of the pool replaces it, or it
        is left out, and a substitution says which and why."""
        reasons = list(
            dict.fromkeys(
                r for s in (*BOTH, *MIDLINE) if (r := self._block(entry.code, s)) is not None
            )
        )
        because = "; ".join(r.text() for r in reasons)
        instead = {
            "code": entry.code,
            "side": side_label(self._requested(entry, "fixed", BOTH)),
        }
        substitute = self._take_distal(
            f" It replaces the fixed point {self._name(entry.code)}, which cannot be"
            f" used ({because})."
        )
        if substitute is not None:
            self._substitute(
                "distal",
                instead,
                {"code": substitute.code, "side": substitute.side},
                f"{self._name(entry.code)} cannot be used ({because}); replaced by the"
                f" distal point {self._name(substitute.code)} from {self._list()}.",
                reasons,
            )
        else:
            self._substitute(
                "omitted",
                instead,
                None,
                f"{self._name(entry.code)} cannot be used ({because}) and this protocol"
                " offers no replacement, so it is left out.",
                reasons,
            )

    def _report_distal(self) -> None:
        for code, reason in dict.fromkeys(self._distal_skipped):
            self._substitute(
                "next_in_list",
                {"code": code},
                None,
                f"{self._name(code)} was not used ({reason.text()}); the next allowed point of"
                f" {self._list()} was taken instead.",
                [reason],
            )

    def ashi(self) -> None:
        rule = self.protocol.ashi
        if rule is None:
            return
        places = len(self.affected) if rule.per == "affected_side" else 1
        low = rule.min_points * places
        high = (rule.min_points if self.needle_sparing else rule.max_points) * places
        blocked_sites = [
            (p, r) for p in self.pain if (r := self.blocks.sites.get(p.site) or self._limb_block(p))
        ]
        if blocked_sites and len(blocked_sites) == len(self.pain):
            reasons = list(dict.fromkeys(r for _, r in blocked_sites))
            self.selection.ashi_note = (
                "No tender (ashi) points: the painful area itself cannot be needled ("
                + "; ".join(r.text() for r in reasons)
                + ")."
            )
            self._substitute(
                "ashi_omitted",
                {"ashi_points": {"min": low, "max": high}},
                None,
                self.selection.ashi_note,
                reasons,
            )
            return
        while low and not self._fits(low):
            low -= 1
        self.selection.ashi_count = (low, max(low, high))
        self.selection.ashi_note = rule.description

    def _limb_block(self, pain: PainSite) -> Reason | None:
        region = self.regions.get(pain.region)
        if region is None or region.limb == "none" or pain.side not in BOTH:
            return None
        return self.blocks.limbs.get(f"{pain.side}_{region.limb}")

    def run(self) -> Selection:
        unplaced = self.fixed()
        self.ashi()
        self.local()
        self.distal(unplaced)
        self.top_up()
        limit = self.protocol.needles.max
        low, high = self.selection.ashi_count
        if limit is not None:
            self.selection.ashi_count = (
                low,
                max(low, min(high, int(limit) - self.selection.needles + low)),
            )
        self._report_local()
        self._report_distal()
        order = {"fixed": 0, "pool": 1, "substitute": 2}
        roles = {"local": 0, "distal": 1}
        self.selection.points.sort(key=lambda p: (order[p.origin], roles.get(p.role, 2)))
        return self.selection
