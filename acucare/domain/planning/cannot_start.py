"""Why treatment cannot start, when the screening refers no one but leaves nothing to give.

Missing consent, a patient who lacks capacity, or blocks and refusals that together rule out
every modality leave no treatment to plan: the plan says so (status
``treatment_cannot_start``, acucare's addition to the spec's statuses) instead of looking
like a normal plan with reviews. The same holds when every point of the protocol and every
ear point is ruled out.
"""

from __future__ import annotations

from collections.abc import Sequence

from acucare.domain.planning.blocks import plain
from acucare.domain.planning.parts import CannotStart
from acucare.domain.screening import Finding, Screening
from acucare.kb.vocabulary import MODALITIES

STATUS = "treatment_cannot_start"


def _modality_findings(screening: Screening) -> list[Finding]:
    return [f for f in screening.findings if f.blocks.modalities]


def every_modality_ruled_out(screening: Screening, declined: Sequence[str]) -> bool:
    ruled_out = set(screening.blocked.modalities) | set(declined)
    return set(MODALITIES) <= ruled_out


def cannot_start_block(
    screening: Screening, declined: Sequence[str], *, nothing_plannable: str = ""
) -> CannotStart:
    """The plan's ``cannot_start`` block: why, which findings, and what would change it."""
    findings = _modality_findings(screening)
    reasons = "; ".join(plain(f.message) for f in findings)
    parts = ["Treatment cannot start"]
    if nothing_plannable:
        parts.append(f": {nothing_plannable}")
    elif reasons:
        parts.append(f": {reasons}")
    if declined:
        parts.append(
            f"{'; ' if reasons or nothing_plannable else ': '}the patient declines "
            + ", ".join(m.replace("_", " ") for m in declined)
        )
    why = "".join(parts) + "."
    why += (
        " No course or reviews are planned; the findings say what is needed (for example"
        " recorded consent). Screen again once it has changed."
    )
    return CannotStart(
        why=why,
        findings=tuple(f.rule for f in findings),
        declined_modalities=tuple(declined),
        citations=tuple(dict.fromkeys(c for f in findings for c in f.citations)),
    )
