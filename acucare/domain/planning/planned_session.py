"""The planned first session, checked as `acucare check-session` checks any session."""

from __future__ import annotations

from dataclasses import replace

from acucare.domain.intake import Intake
from acucare.domain.planning.parts import PlannedCheck, Prescription
from acucare.domain.planning.points import PointCaution
from acucare.domain.screening import Finding
from acucare.domain.session_spec import PointSpec, SessionSpec
from acucare.kb.registry import Registry


class PlanningError(RuntimeError):
    """The planner produced something the session check refuses: a bug, never printed."""


def planned_session(acupuncture: Prescription) -> SessionSpec:
    """The session the prescription asks for, as the session check reads a session.

    A point the prescription limits to superficial needling is asked for superficially, and
    electroacupuncture that must stay mild is asked for at mild intensity.
    """
    limited = {limit.technique: limit for limit in acupuncture.technique_limits}
    deep = limited.get("deep_needling")
    points = tuple(
        PointSpec(
            point.code,
            point.side,
            depth="superficial"
            if deep is not None and (deep.points is None or point.code in deep.points)
            else None,
        )
        for point in acupuncture.points
    )
    pairs = tuple(
        (PointSpec(*first), PointSpec(*second)) for first, second in acupuncture.electro_pairs or ()
    )
    intensity = "mild" if pairs and "strong_electroacupuncture" in limited else None
    return SessionSpec(
        acupuncture.modality, points, electro_pairs=pairs, electro_intensity=intensity
    )


def check_planned_session(
    intake: Intake, acupuncture: Prescription, registry: Registry
) -> Prescription:
    """Check the planned session as `acucare check-session` would: the prescription with
    the check and each point's cautions.

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
    return replace(
        acupuncture,
        points=tuple(
            replace(point, cautions=tuple(cautions[point.code]))
            if point.code in cautions
            else point
            for point in acupuncture.points
        ),
        session_check=PlannedCheck(
            allowed=result.allowed,
            why=(
                "The proposed session was checked against the patient's screening and the"
                " points' cautions, as `acucare check-session` does; cautions are listed at"
                " each point."
            ),
            findings=findings,
            index=result.screening.index,
        ),
    )


def _cautions_by_point(findings: tuple[Finding, ...]) -> dict[str, list[PointCaution]]:
    """Each point's findings, once per rule and side, for the plan to list at the point."""
    by_code: dict[str, list[PointCaution]] = {}
    for finding in findings:
        point = (finding.subject or {}).get("point")
        if not isinstance(point, dict):
            continue
        entries = by_code.setdefault(str(point.get("code")), [])
        side = point.get("side")
        if all(e.rule != finding.rule or e.side != side for e in entries):
            entries.append(
                PointCaution(
                    rule=finding.rule,
                    level=finding.level,
                    side=side,
                    message=finding.message,
                    action=finding.action,
                    citations=finding.citations,
                )
            )
    return by_code
