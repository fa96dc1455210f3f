"""Showing the services' input errors on Django forms."""

from __future__ import annotations

from django import forms

from acucare.domain.errors import InputError


def apply_input_error(form: forms.Form, error: InputError) -> None:
    """Show a service's InputError next to the field it names (or above the form)."""
    field = error.field.split(".")[0].split("[")[0]
    form.add_error(field if field in form.fields else None, error.message)
