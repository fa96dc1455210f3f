"""Protocol, care-layer and ear-map records: the shipped data, and the checks that guard it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import TypeAdapter

from acucare.kb import Registry
from acucare.kb.records import auricular, care_layers, protocols
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.auricular import AuricularMap
from acucare.kb.records.base import acts_on
from acucare.kb.records.care_layers import CareLayer
from acucare.kb.records.conditions import Condition
from acucare.kb.records.protocols import Protocol, fixed_needles, point_acts

CONDITION_IDS = {
    "chronic_low_back_pain", "chronic_neck_pain", "knee_osteoarthritis", "migraine",
    "tension_type_headache", "chronic_shoulder_pain", "fibromyalgia",
}  # fmt: skip


def _protocol(**changes: Any) -> Protocol:
    """A small valid protocol, changed where a test says so."""
    raw: dict[str, Any] = {
        "id": "test_protocol",
        "version": 1,
        "name": "Test protocol",
        "status": "active",
        "conditions": ["chronic_low_back_pain"],
        "style": "tcm",
        "design": "standardised",
        "rank": 90,
        "summary": "A protocol for tests.",
        "fixed_points": [{"code": "BL23", "side": "bilateral", "role": "local"}],
        "needles": {"min": 2, "max": 4},
        "retention_minutes": 20,
        "stimulation": {"method": "manual", "description": "manual"},
        "course": {
            "sessions": 10, "weeks": 5, "schedule": "twice weekly",
            "review_after_session": 5, "review_note": "halfway",
        },
        "citations": [{"id": "cherkin2009", "evidence": "verified"}],
    }  # fmt: skip
    raw.update(changes)
    return TypeAdapter(Protocol).validate_python(raw)


def _with(registry: Registry, collection: str, record: Any) -> Registry:
    collections = dict(registry.collections)
    collections[collection] = {record.id: record}
    return replace(registry, collections=collections)


def _problems(registry: Registry, record: Protocol) -> list[str]:
    return [p.message for p in protocols.check(_with(registry, "protocols", record))]


def test_the_shipped_protocols_cover_the_conditions_of_the_issue(registry: Registry) -> None:
    covered = {c for p in registry.of(Protocol).values() for c in p.conditions}
    assert covered == CONDITION_IDS
    assert set(covered) <= set(registry.of(Condition))


def test_only_the_verified_trials_are_active(registry: Registry) -> None:
    status = {key: p.status for key, p in registry.of(Protocol).items()}
    assert status == {
        "cherkin2009_standardised": "active",
        "brinkhaus2006_art": "active",
        "scharf2006_gerac_knee": "active",
        "li2012_migraine_shaoyang": "active",
        "zheng2022_ctth": "active",
        "irnich2001_neck": "unverified",
        "molsberger2010_grasp": "unverified",
        "vas2016_fibromyalgia": "unverified",
    }
    for protocol in registry.of(Protocol).values():
        if protocol.status == "active":
            assert acts_on(protocol.citations)
        else:
            assert protocol.unverified_note


def test_cherkin_is_the_standardised_prescription_of_the_trial(registry: Registry) -> None:
    cherkin = registry.of(Protocol)["cherkin2009_standardised"]
    assert [(p.code, p.side) for p in cherkin.fixed_points] == [
        ("BL23", "bilateral"), ("BL40", "bilateral"), ("KI3", "bilateral"), ("GV3", "midline"),
    ]  # fmt: skip
    assert cherkin.ashi is not None
    assert cherkin.ashi.min_points == cherkin.ashi.max_points == 1
    laterality = {k: p.laterality for k, p in registry.of(Acupoint).items()}
    assert fixed_needles(cherkin, laterality) + 1 == cherkin.needles.min == cherkin.needles.max == 8
    assert cherkin.retention_minutes == 20
    assert (cherkin.course.sessions, cherkin.course.weeks) == (10, 7)


def test_art_pools_are_the_trial_lists(registry: Registry) -> None:
    art = registry.of(Protocol)["brinkhaus2006_art"]
    local = art.pool("local")
    distal = art.pool("distal")
    assert local is not None
    assert distal is not None
    expected_local = [f"BL{n}" for n in range(20, 35)] + [f"BL{n}" for n in range(50, 55)]
    expected_local += ["GB30", "GV3", "GV4", "GV5", "GV6", "EX-B2", "EX-B8"]
    assert [p.code for p in local.points] == expected_local
    assert [p.code for p in distal.points] == [
        "SI3", "BL40", "BL60", "BL62", "KI3", "KI7", "GB31", "GB34", "GB41", "LR3", "GV14", "GV20",
    ]  # fmt: skip
    assert (local.min_points, distal.min_points) == (4, 2)
    assert (art.course.sessions, art.course.weeks) == (12, 8)


def test_an_unverified_code_mapping_is_stored_but_inert(registry: Registry) -> None:
    local = registry.of(Protocol)["brinkhaus2006_art"].pool("local")
    assert local is not None
    ex_b8 = next(p for p in local.points if p.code == "EX-B8")
    assert not point_acts(ex_b8)
    assert any("EX-B8" in line for line in registry.index("inert_records:protocols"))


def test_gerac_knee_obligatory_points_and_needle_range(registry: Registry) -> None:
    knee = registry.of(Protocol)["scharf2006_gerac_knee"]
    assert [p.code for p in knee.fixed_points] == ["ST34", "ST36", "EX-LE5", "SP9", "SP10", "GB34"]
    assert all(p.side == "affected" for p in knee.fixed_points)
    laterality = {k: p.laterality for k, p in registry.of(Acupoint).items()}
    assert fixed_needles(knee, laterality, sides=1) == 7
    assert (knee.needles.min, knee.needles.max) == (7, 15)
    assert knee.course.extension is not None
    assert knee.course.extension.extra_sessions == 5


def test_migraine_protocol_is_electroacupuncture_as_in_table_1(registry: Registry) -> None:
    migraine = registry.of(Protocol)["li2012_migraine_shaoyang"]
    assert [p.code for p in migraine.fixed_points] == ["TE5", "GB34", "GB40", "GB20"]
    assert migraine.stimulation.method == "electro"
    assert migraine.stimulation.frequency_hz == (2, 100)
    assert migraine.retention_minutes == 30


def test_every_protocol_point_exists_in_the_catalogue(registry: Registry) -> None:
    catalogue = registry.of(Acupoint)
    for protocol in registry.of(Protocol).values():
        for entry in protocol.fixed_points + tuple(e for p in protocol.pools for e in p.points):
            assert entry.code in catalogue, (protocol.id, entry.code)


def test_indexes_list_protocols_by_condition_preferred_first(registry: Registry) -> None:
    index = registry.index("protocols_by_condition")
    assert index["chronic_low_back_pain"] == ("brinkhaus2006_art", "cherkin2009_standardised")
    assert registry.index("body_site_index")["left_knee"] == ("knee", "left")
    assert registry.index("body_site_index")["lower_back"] == ("lower_back", "midline")


def test_a_valid_protocol_has_no_problems(registry: Registry) -> None:
    assert _problems(registry, _protocol()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"fixed_points": [{"code": "BL99", "side": "bilateral", "role": "local"}]},
         "unknown point code 'BL99'"),
        ({"conditions": ["lumbago"]}, "unknown condition id 'lumbago'"),
        ({"default_regions": ["small_of_back"]}, "unknown region 'small_of_back'"),
        ({"needles": {"min": 1, "max": 1}},
         "the fixed points take 2 needles, more than the protocol's 1"),
        ({"fixed_points": [{"code": "GV3", "side": "bilateral", "role": "local"}]},
         "GV3 is a midline point but has side 'bilateral'"),
        ({"fixed_points": [{"code": "BL23", "side": "bilateral"}]},
         "fixed point BL23 needs a role"),
        ({"status": "unverified"}, "an unverified protocol must say what was not verified"),
        ({"retention_minutes": None}, "say in retention_note why the retention time is not given"),
        ({"stimulation": {"method": "electro", "description": "electro"}},
         "electrical stimulation needs its frequency"),
        ({"citations": [{"id": "cherkin2009", "evidence": "unverified"}]},
         "an active protocol needs a source that is not unverified"),
        ({"course": {"sessions": 4, "weeks": 2, "schedule": "x", "review_after_session": 6,
                     "review_note": "x"}}, "course: the review falls after the last session"),
    ],
)  # fmt: skip
def test_check_reports_each_problem(
    registry: Registry, changes: dict[str, Any], expected: str
) -> None:
    assert any(expected in message for message in _problems(registry, _protocol(**changes)))


@pytest.mark.parametrize(
    ("pool", "expected"),
    [
        ({"min_points": 3, "max_points": 2, "default_points": 2}, "min_points exceeds max_points"),
        ({"min_points": 1, "max_points": 2, "default_points": 3}, "default_points must lie"),
        ({"min_points": 1, "max_points": 5, "default_points": 1}, "max_points exceeds the number"),
        ({"regions": ["lower_back"], "points": [{"code": "GB30"}]},
         "GB30 lies in region 'buttock', not in the pool's regions"),
        ({"regions": []}, "a local pool names the regions it serves"),
        ({"regions": ["lumbar"]}, "unknown region 'lumbar'"),
    ],
)  # fmt: skip
def test_check_reports_pool_problems(
    registry: Registry, pool: dict[str, Any], expected: str
) -> None:
    base: dict[str, Any] = {
        "role": "local", "description": "local points", "min_points": 1, "max_points": 2,
        "default_points": 1, "regions": ["lower_back"],
        "points": [{"code": "BL25"}, {"code": "BL26"}],
    }  # fmt: skip
    base.update(pool)
    problems = _problems(registry, _protocol(pools=[base]))
    assert any(expected in message for message in problems), problems


def test_schema_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="Unexpected keyword argument"):
        _protocol(dose="lots")


def _layer(**changes: Any) -> CareLayer:
    raw: dict[str, Any] = {
        "id": "test_layer", "version": 1, "name": "Test", "domain": "mood", "group": "mood",
        "rank": 1, "status": "active", "why": "because", "actions": ["act"],
        "triggers": [{"kind": "score_total", "label": "PHQ-9", "instrument": "phq9",
                      "at_least": 10,
                      "citations": [{"id": "kroenke2001", "evidence": "verified"}]}],
        "citations": [{"id": "kroenke2001", "evidence": "verified"}],
    }  # fmt: skip
    raw.update(changes)
    return TypeAdapter(CareLayer).validate_python(raw)


def test_care_layers_are_checked(registry: Registry) -> None:
    def problems(layer: CareLayer) -> list[str]:
        return [p.message for p in care_layers.check(_with(registry, "care_layers", layer))]

    assert problems(_layer()) == []
    unknown = _layer(
        triggers=[
            {
                "kind": "score_total",
                "label": "X",
                "instrument": "bdi",
                "at_least": 10,
                "citations": [{"id": "kroenke2001", "evidence": "verified"}],
            }
        ]
    )
    assert any("unknown instrument 'bdi'" in m for m in problems(unknown))
    missing = _layer(
        triggers=[
            {
                "kind": "score_item",
                "label": "X",
                "instrument": "phq9",
                "at_least": 2,
                "citations": [{"id": "kroenke2001", "evidence": "verified"}],
            }
        ]
    )
    assert any("needs 'item'" in m for m in problems(missing))
    group = _layer(
        triggers=[
            {
                "kind": "condition",
                "label": "X",
                "groups": ["lumbago"],
                "citations": [{"id": "kroenke2001", "evidence": "verified"}],
            }
        ]
    )
    assert any("unknown condition id 'lumbago'" in m for m in problems(group))


def test_the_unverified_stress_threshold_is_inert(registry: Registry) -> None:
    layer = registry.of(CareLayer)["anxiety_stress"]
    pss = next(t for t in layer.triggers if t.instrument == "pss10")
    assert not acts_on(pss.citations)
    assert any("PSS-10" in line for line in registry.index("inert_records:care_layers"))


def test_ear_maps_name_only_ear_points(registry: Registry) -> None:
    record = TypeAdapter(AuricularMap).validate_python({
        "id": "bad", "version": 1, "status": "unverified", "regions": ["knee"],
        "points": ["ST36", "EAR-NOPE"], "rationale": "r", "unverified_note": "n",
        "citations": [{"id": "wfas2011_auricular", "evidence": "unverified"}],
    })  # fmt: skip
    messages = [p.message for p in auricular.check(_with(registry, "auricular", record))]
    assert "ST36 is not an ear point" in messages
    assert "unknown point code 'EAR-NOPE'" in messages
    for shipped in registry.of(AuricularMap).values():
        assert shipped.status == "unverified"
        assert shipped.unverified_note
