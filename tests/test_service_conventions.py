"""The write conventions of the Django apps, checked rather than hoped for: every public
function in a `services.py` (or a module of a `services` package) is keyword-only and runs
in a transaction."""

from __future__ import annotations

import functools
import importlib
import inspect
from pathlib import Path

import pytest
from django.db import transaction

ROOT = Path(__file__).resolve().parent.parent / "acucare"
MODULES = sorted(
    [f"acucare.{p.parent.name}.services" for p in ROOT.glob("*/services.py")]
    # A package splits its services by concern; `_shared` holds helpers, not services.
    + [
        f"acucare.{p.parent.parent.name}.services.{p.stem}"
        for p in ROOT.glob("*/services/*.py")
        if not p.stem.startswith("_")
    ]
)
# Functions that are deliberately not atomic, each with its reason.
NOT_ATOMIC = {
    # The one writer of audit rows: it runs inside the transaction of the service that
    # calls it, so that a change and its audit row commit or roll back together.
    "acucare.audit.services.audit_record",
}


def public_functions(module_name: str):
    module = importlib.import_module(module_name)
    for name, value in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(value):
            continue
        if getattr(inspect.unwrap(value), "__module__", None) != module_name:
            continue  # imported, not defined here
        yield f"{module_name}.{name}", value


SERVICES = [pytest.param(f, id=name) for m in MODULES for name, f in public_functions(m)]


def test_the_apps_have_services():
    assert {
        "acucare.accounts.services.users",
        "acucare.audit.services",
        "acucare.patients.services",
        "acucare.treatment.services.plans",
        "acucare.treatment.services.sessions",
    } <= set(MODULES)
    assert len(SERVICES) > 20


@pytest.mark.parametrize("function", SERVICES)
def test_services_take_keyword_arguments_only(function):
    parameters = inspect.signature(inspect.unwrap(function)).parameters.values()
    positional = [p.name for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    assert positional == []


@pytest.mark.parametrize("function", SERVICES)
def test_services_are_atomic(function):
    name = f"{inspect.unwrap(function).__module__}.{function.__name__}"
    if name in NOT_ATOMIC:
        return
    assert is_atomic(function), f"{name} is not decorated with @transaction.atomic"


def is_atomic(function) -> bool:
    """Whether the outermost wrapper is `transaction.atomic`'s: Django's `Atomic` is a
    `ContextDecorator`, whose wrapper keeps the `Atomic` instance in its closure (any other
    decorator made with `functools.wraps` has a `__wrapped__` too, but no `Atomic`)."""
    cells = getattr(function, "__closure__", None) or ()
    return any(isinstance(cell.cell_contents, transaction.Atomic) for cell in cells)


def test_the_atomic_check_tells_atomic_from_any_other_wrapper():
    def service(*, actor):
        return actor

    @functools.wraps(service)
    def logged(*args, **kwargs):
        return service(*args, **kwargs)

    assert is_atomic(transaction.atomic(service))
    assert not is_atomic(logged)
    assert not is_atomic(service)
