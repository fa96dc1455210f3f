"""The patient's diary between sessions: one day's entry checked, its medicines turned
into oral morphine milligram equivalents (MME), and its after-effects classified as
adverse events (docs/portal.md, "The diary").

Plain values in, plain values out; no Django. The classification follows the axes of
docs/treatment.md (safety reference §2.2), each sourced:

- seriousness: serious when the patient was admitted to hospital or kept there longer
  (MacPherson 2001's definition); significant minor when it stopped their usual day,
  needed a doctor or nurse, or was fainting (White 2001: "significantly inconvenient,
  or needing further information"; MacPherson 2001 counted severe nausea and fainting
  among the significant minor events); an expected transient reaction when it was
  tiredness or a brief flare of the usual pain that was mild and lasted at most a day
  (MacPherson & Thomas 2005); otherwise minor (White 2001: any ill effect, however
  small).
- mechanism: traumatic for a bruise (a vessel injured by the needle), other for the
  rest (Zhang 2010).
- reporter: the patient; avoidable: unclear (the practitioner judges that later).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from acucare.domain.errors import InputError
from acucare.domain.outcomes.course import MedicationDose
from acucare.domain.outcomes.review import daily_mme
from acucare.kb.records.opioid_conversions import OpioidConversion
from acucare.kb.registry import Registry

# How many days after a session the diary asks about it (the session's day included):
# short-term reactions are reported within days of a treatment (MacPherson & Thomas 2005).
DIARY_DAYS: Final = 7
MAX_MEDICINES: Final = 10
MAX_TIMES_TAKEN: Final = 24
# Sleep: the hours slept and how well, 0 (very badly) to 10 (very well). This is the
# project's own simple scale, written down here and in docs/portal.md; it is not a
# validated instrument and no rule acts on it.
SLEEP_QUALITY_MAX: Final = 10
SLEEP_HOURS_MAX: Final = 24

Severity = Literal["mild", "stopped_day"]
Care = Literal["none", "doctor", "hospital"]
SEVERITIES: Final[tuple[Severity, ...]] = ("mild", "stopped_day")
CARE: Final[tuple[Care, ...]] = ("none", "doctor", "hospital")


@dataclass(frozen=True, slots=True)
class AfterEffectKind:
    key: str
    label: str  # the patient's words
    type_code: str  # the adverse-event type (docs/treatment.md)
    mechanism: str
    transient_when_mild: bool  # an expected reaction when mild and brief
    advice: str  # what to do, in plain words
    citations: tuple[str, ...]


AFTER_EFFECTS: Final[tuple[AfterEffectKind, ...]] = (
    AfterEffectKind(
        "bruising",
        "Bruising where a needle went in",
        "haematoma",
        "traumatic",
        False,
        "A small bruise is common and fades in a few days. Tell your practitioner at your "
        "next visit, and sooner if it is large or keeps growing.",
        ("baumler2021", "macpherson2001", "zhang2010"),
    ),
    AfterEffectKind(
        "soreness",
        "Soreness where a needle went in",
        "needling_pain",
        "other",
        False,
        "Soreness where a needle went in usually passes within a day or two. Tell your "
        "practitioner at your next visit.",
        ("baumler2021", "white2001"),
    ),
    AfterEffectKind(
        "tiredness",
        "Feeling tired or sleepy",
        "tiredness",
        "other",
        True,
        "Feeling tired after a session is common. Do not drive until it has passed.",
        ("macpherson2005",),
    ),
    AfterEffectKind(
        "dizziness",
        "Feeling dizzy or faint",
        "dizziness",
        "other",
        False,
        "Sit or lie down until it passes, and do not drive. Tell your practitioner before "
        "your next session, so they can treat you lying down.",
        ("white2001", "macpherson2001"),
    ),
    AfterEffectKind(
        "worse_pain",
        "My usual pain got worse",
        "aggravation",
        "other",
        True,
        "A short flare of your usual pain can happen and often settles. Tell your "
        "practitioner, especially if it lasts more than a day or two.",
        ("white2001", "macpherson2005"),
    ),
    AfterEffectKind(
        "other",
        "Something else",
        "other",
        "other",
        False,
        "Tell your practitioner what you noticed. They keep a record of it and use it to "
        "plan your next session.",
        ("white2001", "macpherson2001"),
    ),
)
AFTER_EFFECT_KINDS: Final[Mapping[str, AfterEffectKind]] = {k.key: k for k in AFTER_EFFECTS}
# Advice for anyone whose after-effect took them to hospital.
SERIOUS_ADVICE: Final = (
    "Your practitioner has been told. Follow the advice of the doctors who treated you, "
    "and call the emergency number if you feel very unwell."
)
# The session's modality, as the adverse-event axis names it (Xu 2013's split).
EVENT_MODALITY: Final[Mapping[str, str]] = {
    "manual_acupuncture": "manual",
    "electroacupuncture": "electroacupuncture",
    "auricular_acupuncture": "auricular",
}


@dataclass(frozen=True, slots=True)
class AfterEffect:
    """An after-effect as the patient reported it."""

    kind: str
    severity: str = "mild"
    care: str = "none"
    days: int = 0  # how many days it lasted (0: less than a day)
    fainted: bool = False
    text: str = ""


@dataclass(frozen=True, slots=True)
class ClassifiedEvent:
    """An after-effect as an adverse event on the session (the treatment app's axes)."""

    kind: str
    seriousness: str
    mechanism: str
    type_code: str
    description: str
    needed_treatment: bool
    duration_days: int
    avoidable: str
    modality: str
    reporter: str
    citations: tuple[str, ...]

    @property
    def serious(self) -> bool:
        return self.seriousness == "serious"


@dataclass(frozen=True, slots=True)
class MedicineTaken:
    medicine: str  # an id of the opioid conversion table
    dose: float  # mg per dose, or mcg per hour for a patch
    unit: str  # "mg" or "mcg/h"
    times: int  # doses taken that day (a patch: 1)


@dataclass(frozen=True, slots=True)
class DiaryDay:
    day: dt.date
    pain: int
    sleep_hours: float
    sleep_quality: int
    medicines: tuple[MedicineTaken, ...]
    mme: float | None  # None: no medicine to convert was taken
    mme_citations: tuple[str, ...]
    events: tuple[ClassifiedEvent, ...]


def medicine_choices(registry: Registry) -> list[tuple[str, str]]:
    """The pick-list: every opioid of the conversion table, with the unit it is dosed in."""
    return [
        (key, f"{key.capitalize()} ({unit_of(record)})")
        for key, record in sorted(registry.of(OpioidConversion).items())
    ]


def unit_of(record: OpioidConversion) -> str:
    return "mcg/h" if record.unit == "mcg_per_hour" else "mg"


def medicine_unit(registry: Registry, medicine: str) -> str:
    """The unit a medicine of the pick-list is dosed in ("mg" for one not on it, which
    `check_medicines` refuses)."""
    record = registry.of(OpioidConversion).get(medicine)
    return unit_of(record) if record is not None else "mg"


def classify(effect: AfterEffect, *, session_modality: str) -> ClassifiedEvent:
    """One after-effect as an adverse event, by the rules in the module's docstring."""
    kind = AFTER_EFFECT_KINDS[effect.kind]
    type_code = "fainting" if effect.kind == "dizziness" and effect.fainted else kind.type_code
    cited = list(kind.citations)
    if effect.care == "hospital":
        seriousness = "serious"
        cited.append("macpherson2001")
    elif effect.care == "doctor" or effect.severity == "stopped_day" or type_code == "fainting":
        seriousness = "significant_minor"
        cited.extend(("white2001", "macpherson2001"))
    elif kind.transient_when_mild and effect.days <= 1:
        seriousness = "expected_transient"
        cited.append("macpherson2005")
    else:
        seriousness = "minor"
        cited.append("white2001")
    label = kind.label if not effect.text else f"{kind.label}: {effect.text}"
    return ClassifiedEvent(
        kind=effect.kind,
        seriousness=seriousness,
        mechanism=kind.mechanism,
        type_code=type_code,
        description=f"Reported by the patient in the portal diary. {label}",
        needed_treatment=effect.care != "none",
        duration_days=effect.days,
        avoidable="unclear",
        modality=EVENT_MODALITY.get(session_modality, "other"),
        reporter="patient",
        citations=tuple(dict.fromkeys(cited)),
    )


def _whole(value: object, field: str, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(
            field,
            f"{what} must be a whole number from {low} to {high}.",
            {
                "min": low,
                "max": high,
            },
        )
    return value


def _number(value: object, field: str, low: float, high: float, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise InputError(
            field,
            f"{what} must be a number from {low:g} to {high:g}.",
            {
                "min": low,
                "max": high,
            },
        )
    return float(value)


def check_day(day: dt.date, *, session_day: dt.date, today: dt.date) -> dt.date:
    """A diary day belongs to the session: from its day to `DIARY_DAYS` - 1 days after,
    and not in the future."""
    last = min(session_day + dt.timedelta(days=DIARY_DAYS - 1), today)
    if not session_day <= day <= last:
        raise InputError(
            "day",
            f"Choose a day from {session_day:%-d %B} to {last:%-d %B}.",
            {"min": session_day.isoformat(), "max": last.isoformat()},
        )
    return day


def check_medicines(
    registry: Registry, medicines: Sequence[MedicineTaken]
) -> tuple[MedicineTaken, ...]:
    """Each medicine from the pick-list, in the unit its conversion takes, with a dose and
    how many times it was taken."""
    if len(medicines) > MAX_MEDICINES:
        raise InputError("medicines", f"At most {MAX_MEDICINES} medicines a day.")
    known = registry.of(OpioidConversion)
    checked: list[MedicineTaken] = []
    for i, taken in enumerate(medicines):
        record = known.get(taken.medicine)
        if record is None:
            raise InputError(
                f"medicines[{i}].medicine", "Choose a medicine from the list.", sorted(known)
            )
        unit = unit_of(record)
        if taken.unit != unit:
            raise InputError(
                f"medicines[{i}].unit", f"{taken.medicine.capitalize()} is taken in {unit}.", [unit]
            )
        dose = _number(taken.dose, f"medicines[{i}].dose", 0.1, 2000, "The dose")
        times = (
            1
            if unit == "mcg/h"
            else _whole(taken.times, f"medicines[{i}].times", 1, MAX_TIMES_TAKEN, "Times taken")
        )
        checked.append(MedicineTaken(taken.medicine, dose, unit, times))
    return tuple(checked)


def mme_of(
    registry: Registry, medicines: Sequence[MedicineTaken]
) -> tuple[float | None, tuple[str, ...]]:
    """The day's MME (CDC 2022 factors, through the review engine's one conversion) and
    the sources of the factors used; None when nothing was taken."""
    if not medicines:
        return None, ()
    doses = [
        MedicationDose(m.medicine, dose_mcg_per_hour=m.dose)
        if m.unit == "mcg/h"
        else MedicationDose(m.medicine, dose_mg=m.dose, doses_per_day=float(m.times))
        for m in medicines
    ]
    total, cited, _missed = daily_mme(doses, registry)
    return total, cited


def course_medications(medicines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A stored diary day's medicines as the course document's `medications`
    (`acucare.course/1`): a patch as mcg per hour, any other as mg times a day. An empty
    day is an empty list: the patient took none (the form says to leave it empty then)."""
    return [
        {"name": str(m["medicine"]), "dose_mcg_per_hour": float(m["dose"])}
        if m.get("unit") == "mcg/h"
        else {
            "name": str(m["medicine"]),
            "dose_mg": float(m["dose"]),
            "doses_per_day": int(m["times"]),
        }
        for m in medicines
    ]


def check_effects(effects: Sequence[AfterEffect]) -> tuple[AfterEffect, ...]:
    seen: set[str] = set()
    for i, effect in enumerate(effects):
        where = f"after_effects[{i}]"
        if effect.kind not in AFTER_EFFECT_KINDS:
            raise InputError(
                f"{where}.kind",
                "Choose an after-effect from the list.",
                [k.key for k in AFTER_EFFECTS],
            )
        if effect.kind in seen:
            raise InputError(f"{where}.kind", "Each after-effect once, please.")
        seen.add(effect.kind)
        if effect.severity not in SEVERITIES:
            raise InputError(f"{where}.severity", "Say how much it got in your way.", SEVERITIES)
        if effect.care not in CARE:
            raise InputError(f"{where}.care", "Say whether you needed care for it.", CARE)
        _whole(effect.days, f"{where}.days", 0, 365, "How many days it lasted")
        if effect.kind == "other" and not effect.text.strip():
            raise InputError(f"{where}.text", "Say what you noticed.")
        if len(effect.text) > 500:
            raise InputError(f"{where}.text", "At most 500 characters.")
    return tuple(effects)


def diary_day(
    registry: Registry,
    *,
    day: dt.date,
    session_day: dt.date,
    session_modality: str,
    today: dt.date,
    pain: object,
    sleep_hours: object,
    sleep_quality: object,
    medicines: Sequence[MedicineTaken] = (),
    effects: Sequence[AfterEffect] = (),
) -> DiaryDay:
    """One day's entry checked whole (InputError naming the first bad field), with its
    MME and its after-effects classified."""
    checked_day = check_day(day, session_day=session_day, today=today)
    checked_pain = _whole(pain, "pain", 0, 10, "Pain")
    hours = _number(sleep_hours, "sleep_hours", 0, SLEEP_HOURS_MAX, "Hours slept")
    quality = _whole(sleep_quality, "sleep_quality", 0, SLEEP_QUALITY_MAX, "Sleep quality")
    taken = check_medicines(registry, medicines)
    mme, cited = mme_of(registry, taken)
    events = tuple(classify(e, session_modality=session_modality) for e in check_effects(effects))
    return DiaryDay(checked_day, checked_pain, hours, quality, taken, mme, cited, events)
