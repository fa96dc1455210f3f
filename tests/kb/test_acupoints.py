"""The acupoint catalogue: WHO counts, names, regions, cautions, name resolution, CLI."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.kb import Registry
from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR
from acucare.kb.records.acupoints import (
    WHO_EXTRA_COUNTS,
    WHO_MERIDIAN_COUNTS,
    Acupoint,
    resolve_point_code,
)
from acucare.kb.records.base import acts_on
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.citations import Citation

HERE = Path(__file__).resolve().parent
CODE_SHAPE = re.compile(
    r"^(?:(?:LU|LI|ST|SP|HT|SI|BL|KI|PC|TE|GB|LR|GV|CV)|EX-(?:HN|CA|B|UE|LE))[1-9][0-9]*$"
    r"|^EAR-[A-Z]+(?:-[A-Z]+)*$"
)
HANZI = re.compile(r"^[\u3400-\u9fff]+$")
PINYIN = re.compile(r"^[A-Z][a-z]*$")  # toneless, capitalised, one word: "Zhongfu", "E"


def _points(registry: Registry) -> list[Acupoint]:
    return list(registry.of(Acupoint).values())


def test_every_family_has_its_who_count(registry: Registry) -> None:
    counted = Counter(p.meridian for p in _points(registry) if p.kind != "auricular")
    assert counted == {**WHO_MERIDIAN_COUNTS, **WHO_EXTRA_COUNTS}
    assert sum(WHO_MERIDIAN_COUNTS.values()) == 361
    assert sum(WHO_EXTRA_COUNTS.values()) == 48


def test_codes_are_who_shaped_and_match_meridian_and_number(registry: Registry) -> None:
    for code, point in registry.of(Acupoint).items():
        assert CODE_SHAPE.match(code), code
        assert point.code == code
        if point.kind == "auricular":
            assert (point.meridian, point.number) == ("EAR", None), code
        else:
            assert code == f"{point.meridian}{point.number}", code


def test_codes_are_unique_across_files() -> None:
    codes = [
        record["code"]
        for path in sorted((DEFAULT_KNOWLEDGE_DIR / "acupoints").glob("*.yaml"))
        for record in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]
    assert [c for c, n in Counter(codes).items() if n > 1] == []


def test_every_point_is_named_in_pinyin_characters_and_english(registry: Registry) -> None:
    for point in _points(registry):
        assert PINYIN.match(point.pinyin), (point.code, point.pinyin)
        assert HANZI.match(point.hanzi), (point.code, point.hanzi)
        assert point.name_en[0].isupper(), (point.code, point.name_en)


def test_region_and_limb_agree_with_the_body_site_vocabulary(registry: Registry) -> None:
    regions = registry.of(BodyRegion)
    for point in _points(registry):
        assert point.region in regions, point.code
        assert point.limb == regions[point.region].limb, point.code


def test_midline_channels_are_midline(registry: Registry) -> None:
    for point in _points(registry):
        if point.meridian in ("GV", "CV"):
            assert point.laterality == "midline", point.code
        elif point.kind == "meridian":
            assert point.laterality == "bilateral", point.code


# Where points lie (WHO 2008 locations), including points on the border of two regions.
REGIONS = {
    "LU1": "chest", "LU5": "elbow", "LU9": "wrist_hand", "LI4": "wrist_hand",
    "LI11": "elbow", "LI15": "shoulder", "ST6": "jaw", "ST7": "jaw", "ST9": "neck",
    "ST25": "abdomen", "ST34": "thigh", "ST35": "knee", "ST36": "lower_leg",
    "SP6": "lower_leg", "SP9": "lower_leg", "SP10": "thigh", "HT7": "wrist_hand",
    "SI3": "wrist_hand", "SI11": "shoulder", "SI19": "jaw", "BL10": "neck",
    "BL11": "upper_back", "BL17": "mid_back", "BL23": "lower_back", "BL25": "lower_back",
    "BL32": "sacrum", "BL36": "buttock", "BL40": "knee", "BL54": "buttock",
    "BL57": "lower_leg", "BL60": "ankle_foot", "KI3": "ankle_foot", "PC6": "forearm",
    "TE5": "forearm", "GB20": "neck", "GB21": "neck", "GB29": "hip", "GB30": "buttock",
    "GB34": "lower_leg", "LR3": "ankle_foot", "GV4": "lower_back", "GV14": "neck",
    "GV20": "head", "CV4": "abdomen", "CV17": "chest", "CV22": "neck",
    "EX-HN3": "face", "EX-HN5": "head", "EX-B2": "lower_back", "EX-LE2": "knee",
    "EX-LE4": "knee", "EX-LE5": "knee", "EX-UE9": "wrist_hand", "EX-LE10": "ankle_foot",
}  # fmt: skip


@pytest.mark.parametrize(("code", "region"), sorted(REGIONS.items()))
def test_known_point_regions(registry: Registry, code: str, region: str) -> None:
    assert registry.of(Acupoint)[code].region == region


def test_no_safe_depth_is_claimed(registry: Registry) -> None:
    # No per-point depth in millimetres has been verified: the field stays empty.
    assert [p.code for p in _points(registry) if p.max_depth_mm is not None] == []


def _caution(registry: Registry, code: str, kind: str) -> list[Any]:
    return [c for c in registry.of(Acupoint)[code].cautions if c.kind == kind]


# code, kind, a word the structure names, a citation id the caution must carry
CAUTIONS = [
    ("GB21", "pneumothorax", "lung", "aacp2017"),
    ("BL11", "pneumothorax", "lung", "nzasa"),
    ("BL43", "pneumothorax", "lung", "who1999"),
    ("LU1", "pneumothorax", "lung", "aacp2017"),
    ("SI15", "pneumothorax", "lung", "deadman2007"),
    ("ST12", "pneumothorax", "lung", "who1999"),
    ("KI25", "pneumothorax", "lung", "who1999"),
    ("SI11", "pneumothorax", "scapula", "nzasa"),
    ("CV17", "organ", "heart", "babinski2012"),
    ("CV17", "organ", "heart", "peuker1999"),
    ("ST21", "organ", "gallbladder", "aacp2017"),
    ("ST19", "organ", "liver", "deadman2007"),
    ("CV8", "organ", "umbilicus", "nzasa"),
    ("CV4", "full_bladder", "bladder", "deadman2007"),
    ("KI12", "full_bladder", "bladder", "deadman2007"),
    ("GV15", "brainstem_spinal_cord", "spinal cord", "aacp2017"),
    ("GV16", "brainstem_spinal_cord", "medulla", "nzasa"),
    ("ST9", "major_vessel", "carotid", "deadman2007"),
    ("ST10", "major_vessel", "carotid", "deadman2007"),
    ("LI18", "major_vessel", "carotid", "aacp2017"),
    ("SI17", "major_vessel", "baroreceptors", "nzasa"),
    ("LU9", "major_vessel", "radial artery", "deadman2007"),
    ("ST42", "major_vessel", "dorsalis pedis", "deadman2007"),
    ("LR12", "major_vessel", "femoral", "deadman2007"),
    ("BL1", "eye", "eyeball", "aacp2017"),
    ("ST1", "eye", "eyeball", "nzasa"),
    ("EX-HN7", "eye", "eyeball", "aacp2017"),
    ("LI4", "pregnancy", "pregnancy", "aacp2017"),
    ("SP6", "pregnancy", "pregnancy", "aacp2017"),
    ("BL67", "pregnancy", "pregnancy", "aacp2017"),
    ("GB21", "pregnancy", "pregnancy", "aacp2017"),
]


@pytest.mark.parametrize(("code", "kind", "structure", "source"), CAUTIONS)
def test_caution_acts_and_its_citations_resolve(
    registry: Registry, code: str, kind: str, structure: str, source: str
) -> None:
    cautions = _caution(registry, code, kind)
    assert len(cautions) == 1, (code, kind)
    caution = cautions[0]
    assert structure in caution.structure
    assert caution.handling
    assert acts_on(caution.citations)
    citations = registry.of(Citation)
    assert all(ref.id in citations for ref in caution.citations)
    assert source in {ref.id for ref in caution.citations}


def test_every_thoracic_bladder_point_warns_of_pneumothorax(registry: Registry) -> None:
    thoracic = [f"BL{n}" for n in (*range(11, 22), *range(41, 51))]
    missing = [c for c in thoracic if not _caution(registry, c, "pneumothorax")]
    assert missing == []
    assert not _caution(registry, "BL23", "pneumothorax")  # lumbar: below the lung


def test_pregnancy_points(registry: Registry) -> None:
    avoid = {"LI4", "SP6", "BL60", "BL67", "BL31", "BL32", "BL33", "BL34", "LR3", "GB21"}
    with_caution = {
        p.code
        for p in _points(registry)
        if p.kind != "auricular" and any(c.kind == "pregnancy" for c in p.cautions)
    }
    assert with_caution == avoid
    assert "Do not needle" in _caution(registry, "SP6", "pregnancy")[0].handling


def test_unverified_cautions_are_stored_but_inert(registry: Registry) -> None:
    trachea = [c for c in _caution(registry, "CV22", "organ") if "trachea" in c.structure]
    assert len(trachea) == 1
    assert not acts_on(trachea[0].citations)
    # ST12: the general supraclavicular warning acts; its mapping to ST12 is noted as unverified.
    (st12,) = _caution(registry, "ST12", "pneumothorax")
    assert {r.evidence for r in st12.citations} == {"secondary", "unverified"}


def _alias_table() -> list[tuple[str, str | None]]:
    rows = []
    for line in (HERE / "acupoint_aliases.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, expected = line.split("\t")
            rows.append((text, None if expected == "-" else expected))
    return rows


@pytest.mark.parametrize(("text", "expected"), _alias_table())
def test_resolve_point_code(registry: Registry, text: str, expected: str | None) -> None:
    assert resolve_point_code(registry, text) == expected


def test_every_code_and_every_unique_pinyin_resolves_to_its_point(registry: Registry) -> None:
    body = [p for p in _points(registry) if p.kind != "auricular"]
    pinyin = Counter(p.pinyin for p in _points(registry))
    for point in body:
        assert resolve_point_code(registry, point.code) == point.code
        expected = point.code if pinyin[point.pinyin] == 1 else None
        assert resolve_point_code(registry, point.pinyin) == expected, point.code


def test_an_alias_claimed_by_two_points_is_a_problem(tmp_path: Path) -> None:
    import shutil

    from acucare.kb.loader import load

    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, knowledge)
    path = knowledge / "acupoints" / "lu.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    records[0]["aliases"] = ["Huatuojiaji"]  # already EX-B2's
    records[1]["aliases"] = ["ST36"]  # another point's code
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    problems = [str(p) for p in load(knowledge, use_cache=False).problems]
    assert any("LU1: alias 'Huatuojiaji' is also an alias of EX-B2" in p for p in problems) or any(
        "EX-B2: alias 'Huatuojiaji' is also an alias of LU1" in p for p in problems
    ), problems
    assert any("LU2: alias 'ST36' is the code of ST36" in p for p in problems), problems


EAR_POINTS = {
    "EAR-SHENMEN", "EAR-POINT-ZERO", "EAR-SYMPATHETIC", "EAR-SUBCORTEX", "EAR-THALAMUS",
    "EAR-LUNG", "EAR-KIDNEY", "EAR-LIVER", "EAR-HEART", "EAR-STOMACH", "EAR-SPLEEN",
    "EAR-ENDOCRINE", "EAR-INTERNAL-GENITALS", "EAR-EXTERNAL-GENITALS", "EAR-BLADDER",
    "EAR-LUMBOSACRAL-VERTEBRAE", "EAR-THORACIC-VERTEBRAE", "EAR-CERVICAL-VERTEBRAE",
    "EAR-NECK", "EAR-SHOULDER", "EAR-ELBOW", "EAR-WRIST", "EAR-HIP", "EAR-KNEE",
    "EAR-ANKLE", "EAR-OCCIPUT", "EAR-FOREHEAD", "EAR-TEMPLE",
}  # fmt: skip


def test_common_ear_points(registry: Registry) -> None:
    ear = {p.code: p for p in _points(registry) if p.kind == "auricular"}
    assert set(ear) >= EAR_POINTS
    for point in ear.values():
        assert (point.meridian, point.region, point.limb) == ("EAR", "ear", "none")
        assert point.laterality == "bilateral"
        assert {r.id for r in point.citations} == {"who1990_auricular", "wfas2011_auricular"}
        assert not acts_on(point.citations)  # names transcribed, not yet checked


def test_ear_genito_urinary_and_endocrine_points_are_avoided_in_pregnancy(
    registry: Registry,
) -> None:
    genito_urinary = {
        "EAR-ENDOCRINE", "EAR-INTERNAL-GENITALS", "EAR-EXTERNAL-GENITALS", "EAR-BLADDER",
        "EAR-KIDNEY",
    }  # fmt: skip
    with_caution = {
        p.code
        for p in _points(registry)
        if p.kind == "auricular"
        for c in p.cautions
        if c.kind == "pregnancy" and acts_on(c.citations)
    }
    assert with_caution == genito_urinary
    for code in genito_urinary:
        (caution,) = _caution(registry, code, "pregnancy")
        assert "aacp2017" in {r.id for r in caution.citations}


def test_kb_check_lists_the_inert_cautions(run_cli) -> None:
    result = run_cli("kb", "check")
    assert result.exit_code == 0, result.stdout
    assert "stored but not acted upon (unverified): acupoints CV22 cautions[1]" in result.stdout


def test_kb_points_json_lists_the_whole_catalogue(run_cli, registry: Registry) -> None:
    result = run_cli("kb", "points", "--json")
    assert result.exit_code == 0, result.stderr
    points = result.json()
    ear = sum(1 for p in _points(registry) if p.kind == "auricular")
    assert ear >= len(EAR_POINTS)
    assert len(points) == 361 + 48 + ear
    assert [p["code"] for p in points[:3]] == ["LU1", "LU2", "LU3"]  # WHO channel order
    for point in points:
        assert {"code", "meridian", "pinyin", "name_en", "region", "cautions"} <= set(point)
    gb21 = next(p for p in points if p["code"] == "GB21")
    kinds = {c["kind"]: c for c in gb21["cautions"]}
    assert set(kinds) == {"pneumothorax", "pregnancy"}
    assert kinds["pneumothorax"]["active"] is True
    assert kinds["pneumothorax"]["citations"] == ["aacp2017", "nzasa"]
    cv22 = next(p for p in points if p["code"] == "CV22")
    assert [c["active"] for c in cv22["cautions"]] == [True, False]  # the trachea is unverified


def test_cautions_that_act_once_a_source_was_checked(registry: Registry) -> None:
    """BL10, SP11 and LU2 were inert until a secondary source naming each point was read."""
    for code, kind, source in [
        ("BL10", "brainstem_spinal_cord", "nalaayan_points"),
        ("SP11", "major_vessel", "woodley_points_notebook"),
        ("LU2", "pneumothorax", "woodley_points_notebook"),
    ]:
        (caution,) = _caution(registry, code, kind)
        assert acts_on(caution.citations), code
        assert source in {r.id for r in caution.citations if r.evidence == "secondary"}
        assert "deep" in caution.depths


@pytest.mark.parametrize("meridian", ["BL", "UB", "bl", "Bladder"])
def test_kb_points_by_meridian(run_cli, meridian: str) -> None:
    result = run_cli("kb", "points", "--meridian", meridian, "--json")
    assert result.exit_code == 0, result.stdout
    points = result.json()
    assert len(points) == 67
    assert [p["code"] for p in points] == [f"BL{n}" for n in range(1, 68)]


def test_kb_points_by_extra_family_and_ear(run_cli) -> None:
    assert len(run_cli("kb", "points", "--meridian", "EX-B", "--json").json()) == 9
    assert len(run_cli("kb", "points", "--meridian", "ear", "--json").json()) >= len(EAR_POINTS)


def test_kb_points_unknown_meridian_is_rejected(run_cli) -> None:
    result = run_cli("kb", "points", "--meridian", "XX")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert error["field"] == "--meridian"
    assert "XX" in error["message"]
    assert error["allowed"][:3] == ["LU", "LI", "ST"]
    assert {"BL", "CV", "EX-HN", "EX-LE", "EAR"} <= set(error["allowed"])


def test_kb_points_table(run_cli) -> None:
    result = run_cli("kb", "points", "--meridian", "GV")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["GV1", "Changqiang"]
    assert "brainstem_spinal_cord" in next(line for line in lines if line.startswith("GV16 "))
    assert lines[-1].startswith("28 points (GV 28)")


# Region codes of ear points given by a checked source (Yan 2015, figure 2); all other ear
# points carry a note saying why they have none.
EAR_CODES = {
    "EAR-SHENMEN": "TF4", "EAR-SUBCORTEX": "AT4", "EAR-LUNG": "CO14",
    "EAR-KIDNEY": "CO10", "EAR-HEART": "CO15", "EAR-ENDOCRINE": "CO18",
}  # fmt: skip


def test_ear_points_carry_a_published_code_or_say_why_not(registry: Registry) -> None:
    codes = {}
    for point in _points(registry):
        if point.kind != "auricular":
            assert point.auricular_code is None
            assert not point.auricular_code_note
            continue
        if point.auricular_code is None:
            assert point.auricular_code_note, point.code
            continue
        codes[point.code] = point.auricular_code.code
        assert acts_on(point.auricular_code.citations), point.code
    assert codes == EAR_CODES


def test_kb_points_json_gives_the_ear_code_and_its_source(run_cli) -> None:
    result = run_cli("kb", "points", "--meridian", "EAR", "--json")
    assert result.exit_code == 0, result.stderr
    by_code = {p["code"]: p for p in result.json()}
    assert by_code["EAR-SHENMEN"]["auricular_code"] == {
        "code": "TF4",
        "citations": ["yan2015_auricular"],
    }
    assert by_code["EAR-THALAMUS"]["auricular_code"] is None
    assert "No checked source" in by_code["EAR-THALAMUS"]["auricular_code_note"]


def test_an_ear_point_without_code_or_note_or_with_a_bad_code_is_a_problem(
    tmp_path: Path,
) -> None:
    import shutil

    from acucare.kb.loader import load

    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, knowledge)
    path = knowledge / "acupoints" / "ear.yaml"
    records = {r["code"]: r for r in yaml.safe_load(path.read_text(encoding="utf-8"))}
    del records["EAR-THALAMUS"]["auricular_code_note"]
    records["EAR-LUNG"]["auricular_code"]["code"] = "lung 14"
    records["EAR-HEART"]["auricular_code"]["code"] = "TF4"  # Shenmen's
    records["EAR-KIDNEY"]["auricular_code_note"] = "both a code and a note"
    path.write_text(yaml.safe_dump(list(records.values()), allow_unicode=True), "utf-8")
    lu = knowledge / "acupoints" / "lu.yaml"
    lung = yaml.safe_load(lu.read_text(encoding="utf-8"))
    lung[0]["auricular_code_note"] = "a body point"
    lu.write_text(yaml.safe_dump(lung, allow_unicode=True), "utf-8")
    problems = "\n".join(str(p) for p in load(knowledge, use_cache=False).problems)
    assert "EAR-THALAMUS: give the published auricular_code with its source" in problems
    assert "EAR-LUNG: auricular code 'lung 14' is not written as TF4 or AH6a" in problems
    assert "auricular code 'TF4' is also" in problems
    assert "EAR-KIDNEY: auricular_code_note is only for a point without a code" in problems
    assert "LU1: only ear points carry an auricular code" in problems


def test_a_caution_prescribing_an_angle_must_forbid_one(knowledge_problems) -> None:
    """CV15's handling said "obliquely downward" but forbade no angle, so a perpendicular
    needle over the heart was allowed; kb check now refuses the mismatch."""

    def drop_angles(records: list[dict[str, Any]]) -> None:
        (cv15,) = [r for r in records if r["code"] == "CV15"]
        cv15["cautions"][0].pop("angles")

    problems = knowledge_problems("acupoints/cv.yaml", drop_angles)
    assert any("CV15" in p and "prescribes an angle" in p for p in problems), problems


def test_chest_and_epigastric_organ_points_forbid_perpendicular(registry: Registry) -> None:
    for code in ("CV14", "CV15", "CV17", "LR13"):
        (caution,) = _caution(registry, code, "organ")
        assert "perpendicular" in caution.angles, code


def test_depths_where_a_study_reached_the_structure(registry: Registry) -> None:
    """Only points whose measured study was read carry the figure, each with its source."""
    reached = {
        p.code: (p.reaches_structure_mm, {r.id for r in p.reaches_structure_citations})
        for p in _points(registry)
        if p.reaches_structure_mm is not None
    }
    assert reached == {"GV16": (30, {"yang2015_gv16"}), "GB21": (14.6, {"chen2018_gb21"})}


def test_a_reached_depth_needs_its_source(knowledge_problems) -> None:
    def drop_source(records: list[dict[str, Any]]) -> None:
        (gv16,) = [r for r in records if r["code"] == "GV16"]
        gv16.pop("reaches_structure_citations")

    problems = knowledge_problems("acupoints/gv.yaml", drop_source)
    assert any("GV16: reaches_structure_mm and reaches_structure_citations" in p for p in problems)
