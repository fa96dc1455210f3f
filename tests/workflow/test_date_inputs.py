"""Date inputs show one format (issue 15, item 10): every date field of every form is the
clinic's date field, a browser date picker sending YYYY-MM-DD, with one error message
and the clinic's span of dates."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from django import forms

import acucare
from acucare.core.fields import ClinicDateField
from acucare.outcomes.forms import DischargeForm, MeasurementForm

FORMAT_ERROR = "Give a date as YYYY-MM-DD, e.g. 2026-03-05."


def _fields_of_every_form() -> dict[str, dict[str, forms.Field]]:
    """Each form class of the project's `forms` modules, by its dotted name, with its fields."""
    found: dict[str, dict[str, forms.Field]] = {}
    for module_info in pkgutil.walk_packages(acucare.__path__, "acucare."):
        if module_info.name.rsplit(".", 1)[-1] != "forms":
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, (forms.Form, forms.ModelForm))
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__name__}"] = value.base_fields
    return found


def test_every_date_field_of_every_form_is_the_clinics():
    every = _fields_of_every_form()
    assert len(every) >= 20, "the walk found the forms"
    others = [
        f"{form}.{name}"
        for form, fields in every.items()
        for name, field in fields.items()
        if isinstance(field, forms.DateField) and not isinstance(field, ClinicDateField)
    ]
    assert others == []


def test_a_measurement_date_in_another_format_is_refused_with_the_format():
    form = MeasurementForm(data={"date": "03/05/2026"}, instruments=[], pgic=False)
    assert not form.is_valid()
    assert form.errors["date"] == [FORMAT_ERROR]


def test_a_discharge_date_outside_the_clinics_span_is_a_field_error():
    form = DischargeForm(data={"reason": "goals_met", "date": "0001-01-01", "advice": "Walk."})
    assert not form.is_valid()
    assert "1900" in form.errors["date"][0]
