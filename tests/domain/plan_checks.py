"""What every plan must satisfy, whatever the intake: shared by the golden and property tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from acucare.domain.screening import Screening
from acucare.kb import Registry
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.citations import Citation
from acucare.kb.records.protocols import Protocol

SIDES = ("left", "right", "bilateral", "midline")
BODY_MODALITIES = ("manual_acupuncture", "electroacupuncture")


def citation_ids(value: Any) -> Iterator[str]:
    """Every citation id anywhere in a document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "citations" and isinstance(item, list):
                yield from (c for c in item if isinstance(c, str))
            else:
                yield from citation_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from citation_ids(item)


def whys(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "why":
                yield item
            else:
                yield from whys(item)
    elif isinstance(value, list):
        for item in value:
            yield from whys(item)


def protocol_of(document: dict[str, Any], registry: Registry) -> Protocol:
    reference = document["acupuncture"]["protocol"]
    key, _, version = reference.partition("@")
    protocol = registry.of(Protocol)[key]
    assert str(protocol.version) == version
    return protocol


def check_plan(document: dict[str, Any], screening: Screening, registry: Registry) -> None:
    """The properties a clinician would check on any plan."""
    assert document["format"] == "acucare.plan/1"
    assert document["kb_version"] == registry.version
    assert document["screening"] == screening.as_document()
    known = registry.of(Citation)
    unresolved = sorted({c for c in citation_ids(document) if c not in known})
    assert not unresolved, f"citations that do not resolve: {unresolved}"
    used = {k: v for k, v in document.items() if k != "citations"}
    assert document["citations"] == sorted(set(citation_ids(used))), (
        "the plan's citation list is every citation it uses"
    )
    for why in whys(document):
        assert isinstance(why, str)
        assert why.strip()
    for component in document["components"]:
        assert component["triggered_by"].strip()
        assert component["actions"]
        assert component["domain"] in (
            "movement",
            "sleep",
            "stress",
            "mood",
            "lifestyle",
            "medical",
        )
    if screening.decision in ("refer_before_treatment", "urgent_referral"):
        assert document["status"] == "referral_required"
        assert document["acupuncture"] is None
        assert document["referral"]["why"]
        return
    if document["status"] == "treatment_cannot_start":
        # Nothing can be given (no consent or capacity, or everything ruled out): no course,
        # no reviews, and the reason is said (issue 9, item 13).
        assert document["acupuncture"] is None
        assert document["reviews"] == []
        assert document["cannot_start"]["why"].strip()
        return
    assert document["status"] == "plan"
    assert screening.treatment_can_start
    acupuncture = document["acupuncture"]
    if acupuncture is None:
        return
    check_acupuncture(acupuncture, document, screening, registry)


def check_acupuncture(
    acupuncture: dict[str, Any], document: dict[str, Any], screening: Screening, registry: Registry
) -> None:
    catalogue = registry.of(Acupoint)
    protocol = protocol_of(document, registry)
    modality = acupuncture["modality"]
    blocked = screening.blocked
    assert not blocked.blocks_modality(modality), f"{modality} is blocked"
    if modality in BODY_MODALITIES:
        # Needles go in whatever the stimulation: manual needling must be allowed too.
        assert not blocked.blocks_modality("manual_acupuncture")
    assert acupuncture["session_check"]["allowed"] is True
    assert acupuncture["points"], "a plan with acupuncture proposes points"
    seen, needles = _check_points(acupuncture, screening, catalogue)
    ashi = acupuncture["ashi_points"]
    low = ashi["min"] if ashi else 0
    assert acupuncture["needles"] == needles + low
    check_dose(acupuncture, protocol)
    assert acupuncture["protocol_status"] == protocol.status
    if protocol.status == "unverified":
        assert "Unverified" in acupuncture["notice"]
        check_recalled_list(acupuncture)
    limit = protocol.needles.max
    if limit is not None and modality != "auricular_acupuncture":
        assert acupuncture["needles"] + (ashi["max"] - low if ashi else 0) <= limit
    for pair in acupuncture.get("electro_pairs", ()):
        first, second = pair
        assert first["side"] == second["side"]
        assert catalogue[first["code"]].limb == catalogue[second["code"]].limb != "none"
    for alternative in acupuncture["alternatives"]:
        assert not blocked.blocks_modality(alternative["modality"])
        for point in alternative["points"]:
            assert point["code"] in catalogue
            assert screening.allows_point(point["code"], point["side"], alternative["modality"])
    for step in acupuncture["first_session"]["points"]:
        assert step["code"] in seen
    assert acupuncture["first_session"]["needles"] <= acupuncture["needles"]


def _check_points(
    acupuncture: dict[str, Any], screening: Screening, catalogue: Mapping[str, Acupoint]
) -> tuple[set[str], int]:
    """Each point once, on a side it has, allowed for the modality; the points and needles."""
    modality = acupuncture["modality"]
    blocked = screening.blocked
    seen: set[str] = set()
    needles = 0
    for point in acupuncture["points"]:
        code, side = point["code"], point["side"]
        assert code in catalogue, f"unknown point {code}"
        assert code not in seen, f"{code} listed twice"
        seen.add(code)
        assert side in SIDES
        if catalogue[code].laterality == "midline":
            assert side == "midline"
        else:
            assert side != "midline"
        for modality_used in (
            {modality, "manual_acupuncture"} if modality in BODY_MODALITIES else {modality}
        ):
            assert screening.allows_point(code, side, modality_used), (
                f"{code} ({side}) is blocked for {modality_used}"
            )
        if point.get("electrical_stimulation"):
            assert not blocked.blocks_point_for("electroacupuncture", code, side)
        assert point["why"].strip()
        assert point["citations"]
        needles += point["needles"]
    return seen, needles


def check_dose(acupuncture: dict[str, Any], protocol: Protocol) -> None:
    """The trial's dose, except for a child (issue 9, item 7): no adult dosing, no EA."""
    if acupuncture.get("paediatric"):
        assert acupuncture["sessions"] is None
        assert acupuncture["retention_minutes"] is None
        assert acupuncture["modality"] != "electroacupuncture"
        assert acupuncture["paediatric"]["why"].strip()
    else:
        assert acupuncture["sessions"] == protocol.course.sessions
        assert acupuncture["retention_minutes"] == protocol.retention_minutes


def check_recalled_list(acupuncture: dict[str, Any]) -> None:
    """Issue 9, item 21: a recalled point list is never presented as the trial's."""
    texts = [p["why"] for p in acupuncture["points"]]
    texts += [s["why"] for s in acupuncture["substitutions"]]
    for text in texts:
        assert "trial's list" not in text, text
        assert "the trial had it" not in text, text
