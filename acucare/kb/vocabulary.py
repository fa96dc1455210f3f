"""The closed vocabularies of the interface contract (spec/interfaces.md, intake document).

They are the contract's words, not clinical knowledge, so they live in code, once: the
intake parser validates against them and the safety rules are checked against them.
Body sites are the exception: they come from knowledge/body_sites.
"""

from __future__ import annotations

from typing import Literal, get_args

INTAKE_FORMAT = "acucare.intake/1"

Sex = Literal["female", "male", "other", "unknown"]
Style = Literal["tcm", "western"]
Modality = Literal[
    "manual_acupuncture",
    "electroacupuncture",
    "auricular_acupuncture",
    "moxibustion",
    "cupping",
]
LimbAtRisk = Literal["left_arm", "right_arm", "left_leg", "right_leg"]
HistoryFlag = Literal[
    "bleeding_disorder",
    "pacemaker_or_icd",
    "other_implanted_electronic_device",
    "epilepsy",
    "epilepsy_poorly_controlled",
    "diabetes",
    "immunosuppressed",
    "neutropenia",
    "needle_phobia",
    "fainting_history",
    "metal_allergy",
    "breast_implants",
    "spinal_instability",
    "heart_valve_disease",
    "uncontrolled_hypertension",
    "lacks_capacity",
    "cancer_active",
]
RedFlag = Literal[
    "saddle_anaesthesia",
    "bladder_or_bowel_dysfunction",
    "progressive_leg_weakness",
    "history_of_cancer",
    "unexplained_weight_loss",
    "fever_or_systemically_unwell",
    "major_trauma",
    "long_term_steroids",
    "iv_drug_use",
    "unremitting_night_pain",
    "thoracic_pain",
    "structural_deformity",
    "thunderclap_headache",
    "headache_with_neurological_deficit",
    "headache_with_fever",
    "new_headache_over_50",
    "headache_pattern_change",
    "papilloedema",
    "hot_swollen_joint",
]
# acucare's extension of the intake: who gave consent to treatment, when it is recorded.
ConsentGiver = Literal["patient", "parent_or_guardian", "legal_representative"]
# Where a needle or electrode sits relative to the midline (session documents).
Side = Literal["left", "right", "bilateral", "midline"]
# Needling techniques a safety rule can block (acucare's extension of the blocks object).
Technique = Literal["deep_needling", "intra_articular_needling", "strong_electroacupuncture"]
# Depth a session may declare for a needle (acucare's extension of the session document).
NeedleDepth = Literal["superficial", "standard", "deep", "intra_articular"]
ElectroIntensity = Literal["mild", "moderate", "strong"]
# Angle of insertion a session may declare for a needle (STRICTA item 2; an extension).
NeedleAngle = Literal["perpendicular", "oblique", "transverse"]
# Kind of cupping a session may declare: dry, or wet (after the skin is pricked to bleed).
CuppingKind = Literal["dry", "wet"]
# Spinal levels, for points coded by level (EX-B2 Jiaji lies beside T1 to L5).
SpinalLevel = Literal[
    "C1", "C2", "C3", "C4", "C5", "C6", "C7",
    "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12",
    "L1", "L2", "L3", "L4", "L5",
]  # fmt: skip

SEXES: tuple[str, ...] = get_args(Sex)
STYLES: tuple[str, ...] = get_args(Style)
MODALITIES: tuple[str, ...] = get_args(Modality)
LIMBS_AT_RISK: tuple[str, ...] = get_args(LimbAtRisk)
HISTORY_FLAGS: tuple[str, ...] = get_args(HistoryFlag)
RED_FLAGS: tuple[str, ...] = get_args(RedFlag)
CONSENT_GIVERS: tuple[str, ...] = get_args(ConsentGiver)
SIDES: tuple[str, ...] = get_args(Side)
TECHNIQUES: tuple[str, ...] = get_args(Technique)
NEEDLE_DEPTHS: tuple[str, ...] = get_args(NeedleDepth)
ELECTRO_INTENSITIES: tuple[str, ...] = get_args(ElectroIntensity)
NEEDLE_ANGLES: tuple[str, ...] = get_args(NeedleAngle)
CUPPING_KINDS: tuple[str, ...] = get_args(CuppingKind)
SPINAL_LEVELS: tuple[str, ...] = get_args(SpinalLevel)
# A session element a rule may ask about when the session does not declare it.
UNDECLARED = "undeclared"
# Modalities that put a needle through the skin.
NEEDLING_MODALITIES: tuple[str, ...] = (
    "manual_acupuncture",
    "electroacupuncture",
    "auricular_acupuncture",
)
