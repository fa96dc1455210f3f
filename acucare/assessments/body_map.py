"""The pain drawing: where each body site of the knowledge base is drawn.

Sites, their labels and the views they appear in come from `knowledge/body_sites`
(`BodyRegion`); this module only holds the drawing's geometry, by base region. Sizes
are in the SVG's user units, measured from the figure's centre line, with `dx` towards
the patient's **left**: on the front view the patient's left is on the viewer's right,
on the back view it is on the viewer's left. Regions drawn only from the side (the ear)
are drawn on the front view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from acucare.kb import registry
from acucare.kb.records.body_sites import BodyRegion

Shape = Literal["ellipse", "rect"]
# (shape, dx of the centre, y of the centre, width, height), for the front and the back.
Geometry = tuple[Shape, float, float, float, float]

FIGURE_CENTRES = {"front": 90.0, "back": 270.0}
VIEWBOX = "0 0 360 390"

_GEOMETRY: dict[str, dict[str, Geometry]] = {
    "head": {"front": ("ellipse", 0, 28, 40, 34), "back": ("ellipse", 0, 42, 44, 56)},
    "face": {"front": ("ellipse", 0, 55, 30, 22)},
    "jaw": {"front": ("ellipse", 10, 68, 13, 10)},
    "ear": {"front": ("ellipse", 24, 46, 8, 18)},
    "neck": {"front": ("rect", 0, 80, 18, 12), "back": ("rect", 0, 80, 18, 12)},
    "chest": {"front": ("rect", 0, 108, 60, 44)},
    "abdomen": {"front": ("rect", 0, 152, 56, 44)},
    "pelvis": {"front": ("rect", 0, 188, 40, 28)},
    "hip": {"front": ("rect", 26, 188, 12, 28)},
    "upper_back": {"back": ("rect", 0, 102, 60, 32)},
    "mid_back": {"back": ("rect", 0, 133, 56, 30)},
    "lower_back": {"back": ("rect", 0, 162, 56, 28)},
    "sacrum": {"back": ("rect", 0, 188, 24, 24)},
    "buttock": {"back": ("rect", 21, 196, 18, 36)},
    "shoulder": {"front": ("ellipse", 40, 94, 22, 20), "back": ("ellipse", 40, 94, 22, 20)},
    "upper_arm": {"front": ("rect", 46, 126, 13, 40), "back": ("rect", 46, 126, 13, 40)},
    "elbow": {"front": ("ellipse", 48, 154, 16, 16), "back": ("ellipse", 48, 154, 16, 16)},
    "forearm": {"front": ("rect", 50, 182, 12, 40), "back": ("rect", 50, 182, 12, 40)},
    "wrist_hand": {"front": ("ellipse", 52, 216, 16, 24), "back": ("ellipse", 52, 216, 16, 24)},
    "thigh": {"front": ("rect", 15, 240, 24, 60), "back": ("rect", 15, 240, 24, 60)},
    "knee": {"front": ("ellipse", 15, 280, 22, 18), "back": ("ellipse", 15, 280, 22, 18)},
    "lower_leg": {"front": ("rect", 15, 318, 20, 56), "back": ("rect", 15, 318, 20, 56)},
    "ankle_foot": {"front": ("ellipse", 15, 358, 22, 20), "back": ("ellipse", 15, 358, 22, 20)},
}


@dataclass(frozen=True, slots=True)
class Site:
    name: str  # the spec's site, e.g. "left_knee"
    label: str  # "Left knee"


@dataclass(frozen=True, slots=True)
class Region:
    """One drawn shape: a site on one view."""

    site: Site
    view: str
    shape: Shape
    x: float  # ellipse: centre; rect: top-left corner
    y: float
    width: float
    height: float

    @property
    def rx(self) -> float:
        return self.width / 2

    @property
    def ry(self) -> float:
        return self.height / 2

    @property
    def name(self) -> str:
        return f"{self.site.label} ({self.view})"


def site_label(region: BodyRegion, side: str) -> str:
    """'Left knee', 'Jaw, right side' reads oddly, so sided sites read 'Right jaw'."""
    if side == "midline":
        return region.label
    return f"{side.capitalize()} {region.label[0].lower()}{region.label[1:]}"


def sites() -> list[Site]:
    """Every body site of the knowledge base, in its order, with its label."""
    return [
        Site(name, site_label(region, side))
        for region in registry().of(BodyRegion).values()
        for side, name in region.sites.items()
    ]


def drawn_views(region: BodyRegion) -> set[str]:
    """The views of the drawing a region appears on: its own front and back views, and
    the front view for a region seen only from the side (the ear)."""
    views: set[str] = set(region.views)
    if "both" in views:
        views |= {"front", "back"}
    shown = views & {"front", "back"}
    return shown or {"front"}


def regions() -> list[Region]:
    """Every shape of the drawing, front view first."""
    drawn: list[Region] = []
    for view, centre in FIGURE_CENTRES.items():
        mirror = 1 if view == "front" else -1
        for region in registry().of(BodyRegion).values():
            geometry = _GEOMETRY.get(region.id, {}).get(view)
            if geometry is None or view not in drawn_views(region):
                continue
            shape, dx, cy, width, height = geometry
            for side, name in region.sites.items():
                sign = {"left": 1, "right": -1, "midline": 0}[side]
                cx = centre + mirror * sign * dx
                x, y = (cx, cy) if shape == "ellipse" else (cx - width / 2, cy - height / 2)
                site = Site(name, site_label(region, side))
                drawn.append(Region(site, view, shape, x, y, width, height))
    return drawn
