"""Explainable care plans: intake + screening -> the spec's plan document.

`plan(intake, screening, registry)` is pure and deterministic: the same intake and
knowledge base give a byte-identical document. Every element says why (``why``) and where
it comes from (``citations``, resolving in the knowledge base's bibliography); the plan
records ``kb_version`` and the ``id@version`` of every protocol and layer that produced it.

How a plan is built (docs/planning.md has the clinician's version):

1. The condition group comes from the primary ICD-10-CM code, ``chronic`` from the duration.
2. A screening that refers the patient gives ``status: referral_required``: no
   acupuncture, only the referral, the letter to the doctor and the mood/anxiety layers.
3. Otherwise a protocol is chosen for the condition (verified before unverified, the
   patient's style where one exists, fewest needles first for needle phobia), its points
   fitted to the pain drawing and to everything the screening blocks
   (`acucare.domain.planning.points`), its dose taken from the trial.
4. Layers of care are switched on by measured needs (`acucare.domain.planning.layers`),
   reviews set from the condition's thresholds and the payer's limits, and the expected
   outcome read from the evidence.

One module per job: `planner` puts the plan together; `condition`, `protocol_choice`,
`acupuncture`, `auricular`, `electro`, `techniques`, `first_session`, `prescription` and
`referral` each build one part; `planned_session` checks the planned session; `document` is
the plan as a value and as the spec's document. Callers import from this package.
"""

from acucare.domain.planning.document import FORMAT, Plan
from acucare.domain.planning.planned_session import PlanningError, check_planned_session
from acucare.domain.planning.planner import plan

__all__ = ["FORMAT", "Plan", "PlanningError", "check_planned_session", "plan"]
