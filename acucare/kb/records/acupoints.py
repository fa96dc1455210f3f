"""Acupoints: the 361 WHO meridian points, the 48 WHO extra points, and common ear points.

The WHO code is the canonical key (``BL23``, ``EX-B2``); aliases in common use (UB, LV,
TW/SJ, Du, Ren, "BL-23", "bl 23") resolve to it through `resolve_point_code`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from acucare.kb.constraints import Ge, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    acts_on,
)
from acucare.kb.records.body_sites import BodyRegion, Limb
from acucare.kb.vocabulary import NeedleAngle, NeedleDepth, SpinalLevel

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

# WHO 2008 channel order and point counts (WHO Standard Acupuncture Point Locations).
WHO_MERIDIAN_COUNTS: dict[str, int] = {
    "LU": 11, "LI": 20, "ST": 45, "SP": 21, "HT": 9, "SI": 19, "BL": 67,
    "KI": 27, "PC": 9, "TE": 23, "GB": 44, "LR": 14, "GV": 28, "CV": 24,
}  # fmt: skip
# WHO 1991 extra points by family: 48 in all.
WHO_EXTRA_COUNTS: dict[str, int] = {"EX-HN": 15, "EX-CA": 1, "EX-B": 9, "EX-UE": 11, "EX-LE": 12}
AURICULAR = "EAR"

# Channel abbreviations seen in texts and data sets, mapped to the WHO code.
MERIDIAN_ALIASES: dict[str, str] = {
    "L": "LU", "LUNG": "LU",
    "CO": "LI", "LARGEINTESTINE": "LI",
    "S": "ST", "STOMACH": "ST",
    "SPLEEN": "SP",
    "H": "HT", "HE": "HT", "HEART": "HT",
    "SMALLINTESTINE": "SI",
    "UB": "BL", "B": "BL", "BLADDER": "BL",
    "K": "KI", "KID": "KI", "KIDNEY": "KI",
    "P": "PC", "CS": "PC", "PERICARDIUM": "PC", "HC": "PC",
    "TW": "TE", "SJ": "TE", "TB": "TE", "TH": "TE", "SANJIAO": "TE", "TRIPLEENERGIZER": "TE",
    "G": "GB", "GALLBLADDER": "GB",
    "LV": "LR", "LIV": "LR", "LIVER": "LR",
    "DU": "GV", "DM": "GV", "GOV": "GV",
    "REN": "CV", "RN": "CV", "CON": "CV",
}  # fmt: skip

CautionKind = Literal[
    "pneumothorax",
    "major_vessel",
    "brainstem_spinal_cord",
    "organ",
    "eye",
    "full_bladder",
    "pregnancy",
]
PointKind = Literal["meridian", "extra", "auricular"]
# Cautions about a structure beneath the point: each says which depths and angles it blocks.
ANATOMICAL_CAUTIONS: tuple[str, ...] = (
    "pneumothorax",
    "major_vessel",
    "brainstem_spinal_cord",
    "organ",
    "eye",
    "full_bladder",
)


@dataclass(frozen=True)
class Caution:
    """An anatomical or population caution and how the practitioner handles it."""

    __pydantic_config__ = STRICT

    kind: CautionKind
    structure: NonEmptyStr  # what is at risk, e.g. "lung apex"
    handling: NonEmptyStr  # e.g. "shallow oblique insertion; never deep or perpendicular"
    citations: tuple[CitationRef, ...]
    # What the caution forbids, as a session declares it: a needle at one of these depths,
    # or at one of these angles unless it is declared superficial. Every anatomical caution
    # states its depths (kb check); the safety rules say what level a breach is.
    depths: tuple[NeedleDepth, ...] = ()
    angles: tuple[NeedleAngle, ...] = ()
    # For a point coded by spinal level: the levels the caution applies to (empty: all).
    levels: tuple[SpinalLevel, ...] = ()

    def breached_by(self, depth: str | None, angle: str | None) -> bool:
        """Whether a needle declared at this depth and angle does what the caution forbids."""
        if depth is not None and depth in self.depths:
            return True
        return angle is not None and angle in self.angles and depth != "superficial"


# An auricular region code as the Chinese national standard GB/T 13734-2008 writes it: the
# area's letters and a number, with a lower-case suffix for a subdivided area (TF4, AH6a).
AURICULAR_CODE = re.compile(r"^(HX|SF|AH|TF|TG|AT|CO|LO|P)[0-9]+[a-z]?$")


@dataclass(frozen=True)
class AuricularCode:
    """The published code of an ear point, with the source that gives it."""

    __pydantic_config__ = STRICT

    code: NonEmptyStr  # e.g. TF4 (triangular fossa, area 4)
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]


@dataclass(frozen=True)
class Acupoint:
    __pydantic_config__ = STRICT

    code: NonEmptyStr  # WHO code: LU1 … CV24, EX-B2; EAR-SHENMEN for ear points
    kind: PointKind
    meridian: NonEmptyStr  # LU … CV, an EX family (EX-HN …), or EAR
    number: Annotated[int, Ge(1)] | None
    pinyin: NonEmptyStr
    hanzi: NonEmptyStr
    name_en: NonEmptyStr
    region: NonEmptyStr  # a body region id from knowledge/body_sites
    limb: Limb
    # bilateral: a left and a right point; midline: one unpaired point (or a group centred
    # on the midline, such as Sishencong); left/right: a point on one side only (Jinjin is
    # the left sublingual vein, Yuye the right).
    laterality: Literal["bilateral", "midline", "left", "right"]
    citations: tuple[CitationRef, ...]  # sources of the code and names
    cautions: tuple[Caution, ...] = ()
    aliases: tuple[str, ...] = ()  # other names in use, e.g. "Huatuojiaji", "Yintang"
    # A point family coded by spinal level (EX-B2 Jiaji, T1 to L5): level -> body region.
    # A session names the level; the point lies in that level's region.
    levels: dict[SpinalLevel, NonEmptyStr] | None = None
    # Left empty on purpose: no per-point safe depth in millimetres has been verified. A
    # value acts only with a checked source in max_depth_citations (kb check).
    max_depth_mm: float | None = None
    max_depth_citations: tuple[CitationRef, ...] = ()
    # Not a safe depth: the depth at which a measured study found the structure beneath the
    # point (the lung, the dura) in people measured (its shallowest case, or where the
    # study reports only a mean, the mean). A needle recorded at this depth or deeper is
    # deep whatever class was declared; shallower, the millimetres certify nothing.
    reaches_structure_mm: float | None = None
    reaches_structure_citations: tuple[CitationRef, ...] = ()
    # Ear points only: the published auricular code, or why none is given (never guessed).
    auricular_code: AuricularCode | None = None
    auricular_code_note: str = ""


COLLECTION = CollectionSpec("acupoints", Acupoint, "code")

# The longest spelling a point is looked up by; anything longer is not a point.
MAX_POINT_TEXT = 60
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset(" \t.-_")


def _split_code(text: str) -> tuple[str, int] | None:
    """`"bl 23"`, `"UB-023"`, `"Du 20"` -> (channel letters, number), in linear time.

    Letters (single spaces or hyphens may join words: `"Ren Mai 4"`), then separators
    (space, `.`, `-`, `_`), then ASCII digits. A scan, not a regular expression: the
    pattern used before had a nested repeat that backtracked exponentially on a long
    run of letters (issue 14).
    """
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_POINT_TEXT:
        return None
    end = len(stripped)
    start = end
    while start > 0 and stripped[start - 1] in _DIGITS:
        start -= 1
    if start == end:
        return None
    channel = stripped[:start].rstrip("".join(_SEPARATORS))
    if not channel or channel[0] not in _LETTERS or channel[-1] not in _LETTERS:
        return None
    if any(ch not in _LETTERS and ch not in " \t-" for ch in channel):
        return None
    return channel, int(stripped[start:])


def _normal(text: str) -> str:
    """Upper case, accents and tone marks dropped (Zhōngfǔ, Zhonglüshu), only A-Z and 0-9."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^A-Z0-9]", "", folded.upper())


def _names(point: Acupoint) -> tuple[str, ...]:
    """The names a point is looked up by besides its code: aliases, then body-point pinyin.

    Ear points are found by code or alias ("Ear Shenmen") only: their one-syllable pinyin
    (Fei, Xi, E) would make ordinary words resolve to points.
    """
    return point.aliases if point.kind == "auricular" else (*point.aliases, point.pinyin)


def build_indexes(registry: Registry) -> dict[str, object]:
    """Name index (normalised spelling -> WHO code) and the list of inert cautions.

    Codes always win. A name (alias or pinyin) is indexed only when it belongs to one
    point: Zhongdu is both GB32 and LR6, so "Zhongdu" resolves to nothing rather than to
    a guess. Ear pinyin counts when deciding ambiguity (Shenmen is HT7 and an ear point).
    """
    points = registry.of(Acupoint)
    index: dict[str, str] = {_normal(code): code for code in points}
    owners: dict[str, set[str]] = {}
    for code, point in points.items():
        for name in (*point.aliases, point.pinyin):
            owners.setdefault(_normal(name), set()).add(code)
    for code, point in points.items():
        for name in _names(point):
            key = _normal(name)
            if key and key not in index and owners[key] == {code}:
                index[key] = code
    inert = [
        f"acupoints {code} cautions[{i}] ({caution.kind}: {caution.structure})"
        for code, point in points.items()
        for i, caution in enumerate(point.cautions)
        if not acts_on(caution.citations)
    ]
    return {"point_aliases": index, "inert_records:acupoints": tuple(inert)}


def resolve_point_code(registry: Registry, text: str) -> str | None:
    """The WHO code for a spelling in common use, or None if it is not a known point."""
    index: Mapping[str, str] = registry.index("point_aliases")
    direct = index.get(_normal(text))
    if direct is not None:
        return direct
    parts = _split_code(text)
    if parts is None:
        return None
    channel = _normal(parts[0])
    number = parts[1]
    channel = MERIDIAN_ALIASES.get(channel, channel)
    if channel.startswith("EX") and not channel.startswith("EX-"):
        channel = "EX-" + channel[2:]
    candidate = f"{channel}{number}"
    return index.get(_normal(candidate))


def check(registry: Registry) -> Iterator[Problem]:
    points = registry.of(Acupoint)
    regions = registry.of(BodyRegion)
    counted: dict[str, set[int]] = {}
    for code, point in points.items():
        where = f"{registry.source_of('acupoints', code)}: {code}"
        yield from (Problem(where, message) for message in _code_problems(code, point))
        if point.number is not None:
            numbers = counted.setdefault(point.meridian, set())
            numbers.add(point.number)
        region = regions.get(point.region)
        if region is None:
            yield Problem(where, f"unknown region '{point.region}' (not in knowledge/body_sites)")
        elif region.limb != point.limb:
            yield Problem(where, f"limb '{point.limb}' disagrees with region '{region.id}'")
        if not point.citations:
            yield Problem(where, "a point must cite the source of its code and names")
        for index, caution in enumerate(point.cautions):
            # A caution citing only unverified sources is stored but inert (see acts_on).
            if not caution.citations:
                yield Problem(where, f"cautions[{index}] has no citation")
            yield from _caution_problems(where, index, caution, point)
        yield from (Problem(where, message) for message in _level_problems(point, regions))
    yield from _check_aliases(registry, points)
    yield from _check_auricular_codes(registry, points)
    yield from _check_depths(registry, points)
    yield from _count_problems(counted)


def _check_depths(registry: Registry, points: Mapping[str, Acupoint]) -> Iterator[Problem]:
    """A safe depth in millimetres comes with its source, and a source with a depth."""
    for code, point in points.items():
        if (point.max_depth_mm is None) != (not point.max_depth_citations):
            yield Problem(
                f"{registry.source_of('acupoints', code)}: {code}",
                "max_depth_mm and max_depth_citations go together (a safe depth needs its source)",
            )
        if (point.reaches_structure_mm is None) != (not point.reaches_structure_citations):
            yield Problem(
                f"{registry.source_of('acupoints', code)}: {code}",
                "reaches_structure_mm and reaches_structure_citations go together",
            )


def _count_problems(counted: dict[str, set[int]]) -> Iterator[Problem]:
    """Every WHO meridian and extra-point family has all its points, numbered 1 to n."""
    for family, expected in {**WHO_MERIDIAN_COUNTS, **WHO_EXTRA_COUNTS}.items():
        numbers = counted.get(family, set())
        if numbers != set(range(1, expected + 1)):
            missing = sorted(set(range(1, expected + 1)) - numbers)
            extra = sorted(numbers - set(range(1, expected + 1)))
            detail = f"has {len(numbers)} points, WHO has {expected}"
            if missing:
                detail += f"; missing {', '.join(f'{family}{n}' for n in missing[:10])}"
            if extra:
                detail += f"; not in WHO {', '.join(f'{family}{n}' for n in extra[:10])}"
            yield Problem(f"knowledge/acupoints: {family}", f"wrong point count: {detail}")


def _check_auricular_codes(registry: Registry, points: Mapping[str, Acupoint]) -> Iterator[Problem]:
    """An ear point gives its published code or says why it has none; no code twice."""
    owners: dict[str, str] = {}
    for code, point in points.items():
        where = f"{registry.source_of('acupoints', code)}: {code}"
        published = point.auricular_code
        if point.kind != "auricular":
            if published is not None or point.auricular_code_note:
                yield Problem(where, "only ear points carry an auricular code")
            continue
        if published is None:
            if not point.auricular_code_note:
                yield Problem(
                    where,
                    "give the published auricular_code with its source, or say in "
                    "auricular_code_note why none is given",
                )
            continue
        if point.auricular_code_note:
            yield Problem(where, "auricular_code_note is only for a point without a code")
        if not AURICULAR_CODE.match(published.code):
            yield Problem(where, f"auricular code '{published.code}' is not written as TF4 or AH6a")
        if published.code in owners:
            yield Problem(
                where, f"auricular code '{published.code}' is also {owners[published.code]}"
            )
        owners.setdefault(published.code, code)


def _code_problems(code: str, point: Acupoint) -> Iterator[str]:
    """The code agrees with the meridian (or extra-point family) and the number."""
    expected_code = None
    if point.kind == "meridian":
        if point.meridian not in WHO_MERIDIAN_COUNTS:
            yield f"unknown meridian '{point.meridian}'"
        expected_code = f"{point.meridian}{point.number}"
    elif point.kind == "extra":
        if point.meridian not in WHO_EXTRA_COUNTS:
            yield f"unknown extra-point family '{point.meridian}'"
        expected_code = f"{point.meridian}{point.number}"
    elif point.meridian != AURICULAR or not code.startswith("EAR-"):
        yield "auricular points have meridian EAR and a code EAR-…"
    if expected_code is not None and code != expected_code:
        yield f"code does not match meridian and number ({expected_code})"


def _level_problems(point: Acupoint, regions: Mapping[str, BodyRegion]) -> Iterator[str]:
    """Each spinal level of a point coded by level lies in a known region of its limb."""
    for level, region_id in (point.levels or {}).items():
        level_region = regions.get(region_id)
        if level_region is None:
            yield f"levels.{level} names unknown region '{region_id}'"
        elif level_region.limb != point.limb:
            yield f"levels.{level} region '{region_id}' is on another limb"


_PRESCRIBES_ANGLE = re.compile(
    r"\b(obliquely|oblique|transverse|transversely|horizontal|horizontally)\b", re.I
)


def _caution_problems(
    where: str, index: int, caution: Caution, point: Acupoint
) -> Iterator[Problem]:
    if caution.kind in ANATOMICAL_CAUTIONS and not caution.depths:
        yield Problem(
            where, f"cautions[{index}] ({caution.kind}) must say which depths it blocks (depths)"
        )
    if "deep" in caution.depths and "intra_articular" not in caution.depths:
        yield Problem(where, f"cautions[{index}] blocks deep but not intra_articular needling")
    # A handling that prescribes an oblique or flat needle forbids the perpendicular one; the
    # check reads only `angles`, so the two must agree (CV15 said "obliquely" and let a
    # perpendicular needle through).
    if (
        caution.kind in ANATOMICAL_CAUTIONS
        and not caution.angles
        and _PRESCRIBES_ANGLE.search(caution.handling)
    ):
        yield Problem(
            where,
            f"cautions[{index}] handling prescribes an angle ({caution.handling!r}) but the"
            " caution forbids none (angles)",
        )
    unknown = [level for level in caution.levels if level not in (point.levels or {})]
    if unknown:
        yield Problem(where, f"cautions[{index}] names levels the point does not have: {unknown}")


def _check_aliases(registry: Registry, points: Mapping[str, Acupoint]) -> Iterator[Problem]:
    """An alias names one point and never shadows a code; ambiguous pinyin is allowed."""
    codes = {_normal(code): code for code in points}
    claimed: dict[str, str] = {}
    for code, point in points.items():
        where = f"{registry.source_of('acupoints', code)}: {code}"
        for alias in point.aliases:
            key = _normal(alias)
            if not key:
                yield Problem(where, f"alias '{alias}' has no letters or digits")
            elif key in codes and codes[key] != code:
                yield Problem(where, f"alias '{alias}' is the code of {codes[key]}")
            elif claimed.get(key, code) != code:
                yield Problem(where, f"alias '{alias}' is also an alias of {claimed[key]}")
            else:
                claimed[key] = code
