"""What the screening (and the patient) rule out, and why: the planner's single gate.

Every point, side, site, limb and modality the planner proposes passes through `Blocks`;
nothing reaches a plan that the screening blocks. Each block remembers the finding that
set it, so that a substitution can say why it was needed and cite the same sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SIDES = ("left", "right")
LIMBS = ("arm", "leg")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something is ruled out: the screening rule (or the patient's choice) and sources."""

    rule: str
    message: str
    citations: tuple[str, ...]

    def text(self) -> str:
        return self.message.rstrip(".")


DECLINED = "patient_preference"


def _point_key(entry: Any) -> tuple[str, str | None] | None:
    """A blocked point: "LI4", "LI4:left", or {"code": "LI4", "side": "left"}."""
    if isinstance(entry, str):
        code, _, side = entry.partition(":")
        return code.strip(), (side.strip() or None)
    if isinstance(entry, Mapping) and isinstance(entry.get("code"), str):
        given = entry.get("side")
        return str(entry["code"]), given if isinstance(given, str) and given else None
    return None


@dataclass(frozen=True)
class Blocks:
    """The screening's blocks as lookups, each with the reason that set it."""

    modalities: Mapping[str, Reason]
    points: Mapping[tuple[str, str | None], Reason]
    sites: Mapping[str, Reason]
    limbs: Mapping[str, Reason]
    # modality -> body sites where that modality must not be applied (screening extension)
    modality_sites: Mapping[str, Mapping[str, Reason]]

    @classmethod
    def from_screening(
        cls, screening: Mapping[str, Any], declined_modalities: Sequence[str] = ()
    ) -> Blocks:
        """Read the spec's screening document; unknown extension keys are ignored."""
        modalities: dict[str, Reason] = {}
        points: dict[tuple[str, str | None], Reason] = {}
        sites: dict[str, Reason] = {}
        limbs: dict[str, Reason] = {}
        modality_sites: dict[str, dict[str, Reason]] = {}
        for finding in screening.get("findings", ()):
            reason = Reason(
                rule=str(finding.get("rule", "")),
                message=str(finding.get("message", "")),
                citations=tuple(str(c) for c in finding.get("citations", ())),
            )
            blocks = finding.get("blocks") or {}
            for modality in blocks.get("modalities", ()):
                modalities.setdefault(str(modality), reason)
            for entry in blocks.get("points", ()):
                key = _point_key(entry)
                if key is not None:
                    points.setdefault(key, reason)
            for site in blocks.get("sites", ()):
                sites.setdefault(str(site), reason)
            for limb in blocks.get("limbs", ()):
                limbs.setdefault(str(limb), reason)
            for modality, where in (blocks.get("modality_sites") or {}).items():
                target = modality_sites.setdefault(str(modality), {})
                for site in where:
                    target.setdefault(str(site), reason)
        # The document's top-level lists are authoritative: a block listed there without a
        # finding that explains it still blocks (fail closed), with a generic reason.
        unexplained = Reason("screening", "blocked by the safety screening", ())
        for modality in screening.get("blocked_modalities", ()):
            modalities.setdefault(str(modality), unexplained)
        for entry in screening.get("blocked_points", ()):
            key = _point_key(entry)
            if key is not None:
                points.setdefault(key, unexplained)
        for site in screening.get("blocked_sites", ()):
            sites.setdefault(str(site), unexplained)
        for limb in screening.get("blocked_limbs", ()):
            limbs.setdefault(str(limb), unexplained)
        for modality, where in (screening.get("modality_sites") or {}).items():
            target = modality_sites.setdefault(str(modality), {})
            for site in where:
                target.setdefault(str(site), unexplained)
        declined = Reason(DECLINED, "the patient declined this modality", ())
        for modality in declined_modalities:
            modalities.setdefault(str(modality), declined)
        return cls(modalities, points, sites, limbs, modality_sites)

    def modality(self, modality: str) -> Reason | None:
        return self.modalities.get(modality)

    def point_side(self, code: str, side: str, site: str | None, limb: str) -> Reason | None:
        """Why needling `code` on `side` is ruled out, or None when it is allowed.

        `site` is the body site the point lies in on that side (e.g. ``left_knee`` or the
        unsided ``lower_back``); `limb` is ``arm``, ``leg`` or ``none``.
        """
        reason = self.points.get((code, None)) or self.points.get((code, side))
        if reason is not None:
            return reason
        if site is not None and site in self.sites:
            return self.sites[site]
        if limb in LIMBS and side in SIDES:
            return self.limbs.get(f"{side}_{limb}")
        return None

    def code_blocked(self, code: str) -> Reason | None:
        """Blocked whatever the side (as opposed to one side or one site)."""
        return self.points.get((code, None))

    def modality_at(self, modality: str, site: str | None) -> Reason | None:
        if site is None:
            return None
        return self.modality_sites.get(modality, {}).get(site)
