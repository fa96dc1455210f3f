"""The planned first session, checked as `acucare check-session` checks any session."""

from __future__ import annotations

from typing import Any

from acucare.domain.intake import Intake
from acucare.domain.screening import Finding
from acucare.domain.session_spec import PointSpec, SessionSpec
from acucare.kb.registry import Registry


class PlanningError(RuntimeError):
    """The planner produced something the session check refuses: a bug, never printed."""


def planned_session(acupuncture: dict[str, Any]) -> SessionSpec:
    """The session the acupuncture block asks for, as the session check reads a session.

    A point the block limits to superficial needling is asked for superficially, and
    electroacupuncture that must stay mild is asked for at mild intensity.
    """
    limited = {
        (limit["technique"]): limit["points"] for limit in acupuncture.get("technique_limits", ())
    }
    deep_limited = limited.get("deep_needling")
    points = tuple(
        PointSpec(
            point["code"],
            point["side"],
            depth="superficial"
            if deep_limited == "all"
            or (isinstance(deep_limited, list) and point["code"] in deep_limited)
            else None,
        )
        for point in acupuncture["points"]
    )
    pairs = tuple(
        (PointSpec(first["code"], first["side"]), PointSpec(second["code"], second["side"]))
        for first, second in acupuncture.get("electro_pairs", [])
    )
    intensity = "mild" if pairs and "strong_electroacupuncture" in limited else None
    return SessionSpec(
        acupuncture["modality"], points, electro_pairs=pairs, electro_intensity=intensity
    )


def check_planned_session(
    intake: Intake, acupuncture: dict[str, Any], registry: Registry
) -> dict[str, Any]:
    """Check the planned session as `acucare check-session` would, and attach its cautions.

    A plan the session check refuses is never returned: that would be a planner bug, and
    failing closed is the only safe answer.
    """
    from acucare.domain.session_check import build_session, check_built_session

    session = build_session(planned_session(acupuncture), registry)
    result = check_built_session(intake, session, registry)
    findings = result.session_findings
    if not result.allowed:
        refused = "; ".join(f.message for f in findings)
        raise PlanningError("the planned session fails the session check: " + refused)
    cautions = _cautions_by_point(findings)
    for point in acupuncture["points"]:
        if point["code"] in cautions:
            point["cautions"] = cautions[point["code"]]
    index = result.screening.index
    return {
        "allowed": result.allowed,
        "why": (
            "The proposed session was checked against the patient's screening and the points'"
            " cautions, as `acucare check-session` does; cautions are listed at each point."
        ),
        "findings": [{**f.as_document(index), "scope": "session"} for f in findings],
        "rules_applied": [f.ref for f in findings],
    }


def _cautions_by_point(findings: tuple[Finding, ...]) -> dict[str, list[dict[str, Any]]]:
    """Each point's findings, once per rule and side, for the plan to list at the point."""
    by_code: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        point = (finding.subject or {}).get("point")
        if not isinstance(point, dict):
            continue
        entries = by_code.setdefault(str(point.get("code")), [])
        side = point.get("side")
        if all(e["rule"] != finding.rule or e["side"] != side for e in entries):
            entries.append(
                {
                    "rule": finding.rule,
                    "level": finding.level,
                    "side": side,
                    "message": finding.message,
                    "action": finding.action,
                    "citations": list(finding.citations),
                }
            )
    return by_code
