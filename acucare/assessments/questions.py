"""The plain-language wording of the intake's closed vocabularies, for the intake pages.

The words themselves (flags, limbs, modalities) are the contract's (`acucare.kb.vocabulary`);
this module only says how a practitioner asks about them. A test holds every red flag and
history flag of the contract to exactly one question here.
"""

from __future__ import annotations

# One question per red flag of the spec, asked of every patient (answer yes or no).
RED_FLAG_QUESTIONS: dict[str, str] = {
    "saddle_anaesthesia": (
        "Any numbness or tingling around the back passage, genitals or inner thighs "
        "(the area that would touch a saddle)?"
    ),
    "bladder_or_bowel_dysfunction": (
        "Any new difficulty passing urine, loss of bladder or bowel control, or not "
        "feeling when the bladder is full?"
    ),
    "progressive_leg_weakness": "Weakness in one or both legs that is getting worse?",
    "history_of_cancer": "Has the patient ever had cancer?",
    "unexplained_weight_loss": "Weight loss recently without trying to lose weight?",
    "fever_or_systemically_unwell": "Fever, night sweats or feeling generally unwell?",
    "major_trauma": "Did the pain start after a fall, accident or other significant injury?",
    "long_term_steroids": "Taking steroid tablets (such as prednisolone) for months or longer?",
    "iv_drug_use": "Does the patient inject drugs, now or in the past?",
    "unremitting_night_pain": "Pain at night that does not ease whatever position they lie in?",
    "thoracic_pain": "Pain in the middle of the back or around the chest?",
    "structural_deformity": "A visible change in the shape of the spine, or a lump on it?",
    "thunderclap_headache": (
        "A sudden, severe headache that reached its worst within about a minute?"
    ),
    "headache_with_neurological_deficit": (
        "Headache together with weakness, numbness, loss of vision, slurred speech or confusion?"
    ),
    "headache_with_fever": "Headache together with fever, or a stiff neck?",
    "new_headache_over_50": "A new kind of headache that began after the age of 50?",
    "headache_pattern_change": (
        "Have the headaches changed recently — more often, more severe, or different in kind?"
    ),
    "papilloedema": (
        "Has an optician or doctor found swelling at the back of the eye (papilloedema)?"
    ),
    "hot_swollen_joint": "A hot, red, swollen joint?",
}

HISTORY_LABELS: dict[str, str] = {
    "bleeding_disorder": "Bleeding disorder (for example haemophilia)",
    "pacemaker_or_icd": "Pacemaker or implanted defibrillator",
    "other_implanted_electronic_device": "Other implanted electronic device",
    "epilepsy": "Epilepsy",
    "epilepsy_poorly_controlled": "Epilepsy, poorly controlled (recent seizures)",
    "diabetes": "Diabetes",
    "immunosuppressed": "Weakened immune system",
    "neutropenia": "Low white-cell count (neutropenia)",
    "needle_phobia": "Fear of needles",
    "fainting_history": "Has fainted before (with needles, blood or pain)",
    "metal_allergy": "Metal allergy (for example nickel)",
    "breast_implants": "Breast implants",
    "spinal_instability": "Spinal instability",
    "heart_valve_disease": "Heart valve disease or replaced valve",
    "uncontrolled_hypertension": "High blood pressure that is not controlled",
    "lacks_capacity": "Lacks capacity to consent to treatment",
    "cancer_active": "Cancer, currently active or under treatment",
}

LIMB_LABELS: dict[str, str] = {
    "left_arm": "Left arm",
    "right_arm": "Right arm",
    "left_leg": "Left leg",
    "right_leg": "Right leg",
}

MODALITY_LABELS: dict[str, str] = {
    "manual_acupuncture": "Manual acupuncture",
    "electroacupuncture": "Electroacupuncture",
    "auricular_acupuncture": "Ear (auricular) acupuncture",
    "moxibustion": "Moxibustion",
    "cupping": "Cupping",
}

STYLE_LABELS: dict[str, str] = {
    "": "No preference",
    "tcm": "Traditional Chinese medicine",
    "western": "Western medical acupuncture",
}

CONSENT_LABELS: dict[str, str] = {
    "": "Not recorded yet",
    "patient": "The patient",
    "parent_or_guardian": "A parent or guardian",
    "legal_representative": "A legal representative",
}

LEVEL_LABELS: dict[str, str] = {
    "urgent": "Urgent",
    "refer": "Refer",
    "block": "Blocks",
    "warn": "Warning",
    "note": "Note",
}

REFERRAL_LABELS: dict[str, str] = {
    "none": "No referral",
    "routine": "Routine referral",
    "same_day": "Refer the same day",
    "emergency": "Emergency referral",
}
