"""The intake document (spec: ``acucare.intake/1``), parsed strictly into an `Intake`.

Anything the contract does not name is refused: an unknown key, flag, site, limb,
modality, ICD-10-CM code, questionnaire item or an out-of-range number raises one
`InputError` naming the field (``history[1]``, ``conditions[0].icd10``, ``patient.age``,
``questionnaires.phq9.3``) and what would have been allowed. Medication names are the one
open list: they are kept as written and classified by the screening.

acucare extends the intake with ``consent.given_by`` (who consented to treatment:
``patient``, ``parent_or_guardian`` or ``legal_representative``), which the consent rules
of the safety screening read.

Pregnancy is not assumed absent. ``pregnancy.pregnant`` is ``true``, ``false`` or ``null``
(not known: not asked, or not answered), and an intake without ``pregnancy`` has an unknown
pregnancy status; the screening decides who could be pregnant (its rules, not this parser).
``pregnancy.puerperium`` (acucare's addition) records a birth in the weeks before. A
pregnancy or puerperium recorded for a patient recorded as male is refused as a
contradiction, naming the field.

Side-specific ICD-10-CM codes (M17.11 right knee, M25.512 left shoulder, …) set the side of
the pain: the knowledge base's condition records say which site each code names. A pain
site on the other side of that part of the body, with none on the code's side, is refused
as a contradiction at ``pain_sites[i]``; with no pain site there, the code's site is added
to the pain sites (``Intake.derived_pain_sites`` says which were added).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from acucare.domain.errors import InputError
from acucare.domain.intake_shape import (
    AGE_RANGE,
    DURATION_WEEKS_RANGE,
    MEDICATIONS_MAX_ITEMS,
    PREGNANCY_WEEKS_RANGE,
    ConditionFields,
    Patient,
    Pregnancy,
    read_intake_fields,
)
from acucare.domain.scoring import ScoreResult, score
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.conditions import (
    ICD10_CM_FORM,
    Condition,
    condition_for_icd10,
    normalise_icd10,
    sided_site_for_icd10,
)
from acucare.kb.registry import Registry
from acucare.kb.vocabulary import INTAKE_FORMAT

__all__ = [
    "AGE_RANGE",
    "DURATION_WEEKS_RANGE",
    "MEDICATIONS_MAX_ITEMS",
    "PREGNANCY_WEEKS_RANGE",
    "Consent",
    "Intake",
    "IntakeCondition",
    "Patient",
    "Preferences",
    "Pregnancy",
    "body_sites",
    "icd10_patterns",
    "parse_intake",
]

# --- The parsed intake --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntakeCondition:
    icd10: str  # normalised: upper case, as written otherwise (dotted or not)
    duration_weeks: int | None
    group: str  # the condition id in the knowledge base, e.g. "chronic_low_back_pain"


@dataclass(frozen=True, slots=True)
class Preferences:
    style: str | None
    declined_modalities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Consent:
    given_by: str | None


@dataclass(frozen=True)
class Intake:
    """A validated intake. Lists keep the order given, without repeats."""

    patient: Patient
    pregnancy: Pregnancy
    conditions: tuple[IntakeCondition, ...]
    pain_sites: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    limbs_at_risk: tuple[str, ...] = ()
    skin_lesion_sites: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    # instrument id -> answers as given (item number -> response code)
    questionnaires: Mapping[str, Mapping[str, int]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    preferences: Preferences = Preferences(None, ())
    consent: Consent = Consent(None)
    # Pain sites added from a side-specific ICD-10-CM code (also listed in pain_sites).
    derived_pain_sites: tuple[str, ...] = ()
    # instrument id -> the scored questionnaire, with its flags
    scores: Mapping[str, ScoreResult] = field(default_factory=lambda: MappingProxyType({}))
    format: str = INTAKE_FORMAT
    # Not part of the document: the `refer` findings whose referral a doctor has since
    # cleared (acucare.domain.referrals). The red-flag answers above stay as given.
    cleared_referrals: frozenset[str] = frozenset()

    @property
    def primary_condition(self) -> IntakeCondition:
        return self.conditions[0]

    def as_document(self) -> dict[str, Any]:
        """The normalised intake document; `parse_intake` accepts it unchanged."""
        return {
            "format": self.format,
            "patient": {"age": self.patient.age, "sex": self.patient.sex},
            "pregnancy": {
                "pregnant": self.pregnancy.pregnant,
                "weeks": self.pregnancy.weeks,
                "puerperium": self.pregnancy.puerperium,
            },
            "conditions": [
                {"icd10": c.icd10, "duration_weeks": c.duration_weeks} for c in self.conditions
            ],
            # As given: the sites a side-specific code adds are added again on parsing.
            "pain_sites": [s for s in self.pain_sites if s not in self.derived_pain_sites],
            "medications": list(self.medications),
            "history": list(self.history),
            "limbs_at_risk": list(self.limbs_at_risk),
            "skin_lesion_sites": list(self.skin_lesion_sites),
            "red_flags": list(self.red_flags),
            "questionnaires": {k: dict(v) for k, v in self.questionnaires.items()},
            "preferences": {
                "style": self.preferences.style,
                "declined_modalities": list(self.preferences.declined_modalities),
            },
            "consent": {"given_by": self.consent.given_by},
        }


# --- Parsing ------------------------------------------------------------------------------


def parse_intake(document: object, registry: Registry, *, prefix: str = "") -> Intake:
    """Validate an intake document strictly; raise `InputError` for the first problem.

    `prefix` is put in front of every field path (``"intake."`` when the intake sits inside
    a larger document, as in check-session).
    """
    parsed = read_intake_fields(document, prefix)
    sites = body_sites(registry)
    pain_sites = _known_sites(parsed.pain_sites, sites, f"{prefix}pain_sites")
    lesion_sites = _known_sites(parsed.skin_lesion_sites, sites, f"{prefix}skin_lesion_sites")
    _check_pregnancy(parsed.pregnancy, parsed.patient, prefix)
    conditions = tuple(
        _condition(item, registry, f"{prefix}conditions[{index}]")
        for index, item in enumerate(parsed.conditions)
    )
    derived = _sites_from_codes(conditions, pain_sites, registry, prefix)
    questionnaires: dict[str, Mapping[str, int]] = {}
    scores: dict[str, ScoreResult] = {}
    for instrument, answers in parsed.questionnaires.items():
        path = f"{prefix}questionnaires.{instrument}"
        scores[instrument] = score(registry, instrument, answers, field=path, instrument_field=path)
        # score() refuses anything but an object of item numbers and whole numbers.
        questionnaires[instrument] = MappingProxyType(dict(cast(Mapping[str, int], answers)))
    return Intake(
        patient=parsed.patient,
        pregnancy=parsed.pregnancy,
        conditions=conditions,
        pain_sites=_unique([*pain_sites, *derived]),
        derived_pain_sites=derived,
        medications=_unique(parsed.medications),
        history=_unique(parsed.history),
        limbs_at_risk=_unique(parsed.limbs_at_risk),
        skin_lesion_sites=lesion_sites,
        red_flags=_unique(parsed.red_flags),
        questionnaires=MappingProxyType(questionnaires),
        preferences=Preferences(parsed.style, _unique(parsed.declined_modalities)),
        consent=Consent(parsed.given_by),
        scores=MappingProxyType(scores),
    )


def _check_pregnancy(pregnancy: Pregnancy, patient: Patient, prefix: str) -> None:
    """Pregnancy facts that contradict each other, or the patient's sex, are refused."""
    if pregnancy.pregnant is not True and pregnancy.weeks is not None:
        raise InputError(
            field=f"{prefix}pregnancy.weeks",
            message=(
                "weeks of pregnancy were given but pregnant is "
                f"{'false' if pregnancy.pregnant is False else 'not known (null)'}"
            ),
            allowed=[None],
        )
    if patient.sex != "male":
        return
    if pregnancy.pregnant is True:
        raise InputError(
            field=f"{prefix}pregnancy.pregnant",
            message=(
                "the patient is recorded as male and as pregnant; correct the sex (female, "
                "other or unknown) or the pregnancy"
            ),
            allowed=[False, None],
        )
    if pregnancy.puerperium:
        raise InputError(
            field=f"{prefix}pregnancy.puerperium",
            message=(
                "the patient is recorded as male and as having recently given birth; correct "
                "the sex (female, other or unknown) or the puerperium"
            ),
            allowed=[False],
        )


def _sites_from_codes(
    conditions: Sequence[IntakeCondition],
    pain_sites: Sequence[str],
    registry: Registry,
    prefix: str,
) -> tuple[str, ...]:
    """The pain sites side-specific codes add; a pain site on the other side is refused.

    A code such as M17.11 (right knee) names a site; its mirror (``left_knee``) is the same
    part of the body on the other side. Pain on both sides is fine; pain only on the mirror
    side contradicts the code.
    """
    added: list[str] = []
    given = set(pain_sites)
    for index, item in enumerate(conditions):
        site = sided_site_for_icd10(registry, item.icd10)
        if site is None or site in given or site in added:
            continue
        mirror = _mirror_site(site)
        if mirror in given:
            raise InputError(
                field=f"{prefix}pain_sites[{list(pain_sites).index(mirror)}]",
                message=(
                    f"{mirror!r} is on the other side from conditions[{index}].icd10 "
                    f"{item.icd10}, which is coded for {site!r}; correct the code or the "
                    "pain site (pain on both sides: list both sites)"
                ),
                allowed=[site],
            )
        added.append(site)
    return tuple(added)


def _mirror_site(site: str) -> str:
    side, _, part = site.partition("_")
    return f"{'left' if side == 'right' else 'right'}_{part}"


def body_sites(registry: Registry) -> tuple[str, ...]:
    """The spec's body-site vocabulary, from knowledge/body_sites, in its listed order."""
    return tuple(
        site for region in registry.of(BodyRegion).values() for site in region.site_names()
    )


def icd10_patterns(registry: Registry) -> list[str]:
    """Every ICD-10-CM pattern the knowledge base groups into a condition."""
    return [pattern for c in registry.of(Condition).values() for pattern in c.icd10]


def _condition(item: ConditionFields, registry: Registry, path: str) -> IntakeCondition:
    code = normalise_icd10(item.icd10)
    if not ICD10_CM_FORM.match(code):
        raise InputError(
            field=f"{path}.icd10",
            message=(
                f"{item.icd10!r} is not an ICD-10-CM code (a letter, two digits or letters, "
                "then optionally a dot and up to four characters, e.g. M54.50)"
            ),
            allowed=icd10_patterns(registry),
        )
    condition = condition_for_icd10(registry, code)
    if condition is None:
        raise InputError(
            field=f"{path}.icd10",
            message=(
                f"{code} is a well-formed ICD-10-CM code, but no condition group in the "
                "knowledge base covers it"
            ),
            allowed=icd10_patterns(registry),
        )
    return IntakeCondition(code, item.duration_weeks, condition.id)


def _known_sites(values: Iterable[str], sites: Sequence[str], path: str) -> tuple[str, ...]:
    known = set(sites)
    for index, value in enumerate(values):
        if value not in known:
            raise InputError(
                field=f"{path}[{index}]",
                message=f"unknown body site {value!r}",
                allowed=list(sites),
            )
    return _unique(values)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
