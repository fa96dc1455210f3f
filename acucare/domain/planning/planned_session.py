"""The planned first session, checked as `acucare check-session` checks any session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acucare.domain.intake import Intake
from acucare.kb.registry import Registry


class PlanningError(RuntimeError):
    """The planner produced something the session check refuses: a bug, never printed."""


def check_planned_session(
    intake: Intake, acupuncture: dict[str, Any], registry: Registry
) -> dict[str, Any]:
    """Check the planned session as `acucare check-session` would, and attach its cautions.

    A plan the session check refuses is never returned: that would be a planner bug, and
    failing closed is the only safe answer.
    """
    from acucare.domain.session_check import check_session

    limited = {
        (limit["technique"]): limit["points"] for limit in acupuncture.get("technique_limits", ())
    }
    deep_limited = limited.get("deep_needling")
    session_points = []
    for point in acupuncture["points"]:
        entry = {"code": point["code"], "side": point["side"]}
        if deep_limited == "all" or (
            isinstance(deep_limited, list) and point["code"] in deep_limited
        ):
            entry["depth"] = "superficial"
        session_points.append(entry)
    session: dict[str, Any] = {
        "modality": acupuncture["modality"],
        "points": session_points,
        "electro_pairs": acupuncture.get("electro_pairs", []),
    }
    if session["electro_pairs"] and "strong_electroacupuncture" in limited:
        session["electro_intensity"] = "mild"
    result = check_session(intake, session, registry).as_document()
    if not result["allowed"]:
        refused = [f["message"] for f in result["findings"] if f.get("scope") == "session"]
        raise PlanningError("the planned session fails the session check: " + "; ".join(refused))
    findings = [f for f in result["findings"] if f.get("scope") == "session"]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        subject = finding.get("subject") or {}
        point = subject.get("point") if isinstance(subject, Mapping) else None
        if isinstance(point, Mapping):
            entries = by_code.setdefault(str(point.get("code")), [])
            if all(e["rule"] != finding["rule"] or e["side"] != point.get("side") for e in entries):
                entries.append(
                    {
                        "rule": finding["rule"],
                        "level": finding["level"],
                        "side": point.get("side"),
                        "message": finding["message"],
                        "action": finding["action"],
                        "citations": list(finding["citations"]),
                    }
                )
    for point in acupuncture["points"]:
        if point["code"] in by_code:
            point["cautions"] = by_code[point["code"]]
    return {
        "allowed": result["allowed"],
        "why": (
            "The proposed session was checked against the patient's screening and the points'"
            " cautions, as `acucare check-session` does; cautions are listed at each point."
        ),
        "findings": findings,
        "rules_applied": [f"{f['rule']}@{f['version']}" for f in findings],
    }
