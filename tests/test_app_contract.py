"""The part of the app contract that import-linter cannot see.

The layers between apps are import-linter contracts (`pyproject.toml`, run by `make lint`).
What remains is how HTTP code reaches records: views, API handlers, forms, URL
modules, presentation helpers and template tags go through each app's access helpers,
selectors and services, never through a model's manager (`Patient.objects...`), so that
every read is access-checked and audited in one place. An empty queryset
(`Model.objects.none()`) reads nothing and is allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent / "acucare"
HTTP_NAMES = {"views.py", "api.py", "forms.py", "urls.py", "presentation.py"}
HTTP_MODULES = sorted(
    p
    for p in ROOT.rglob("*.py")
    if p.name in HTTP_NAMES or p.parent.name in {"views", "templatetags"}
)
MANAGERS = {"objects", "_default_manager"}


def model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models()}


def manager_uses(source: str, models: set[str]) -> list[tuple[int, str]]:
    """(line, text) of each `Model.objects` / `get_user_model().objects` that queries."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr not in MANAGERS:
            continue
        owner = node.value
        is_model = isinstance(owner, ast.Name) and owner.id in models
        is_user_model = (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "get_user_model"
        )
        if not (is_model or is_user_model):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr == "none":
            continue
        found.append((node.lineno, ast.unparse(node)))
    return found


def test_every_app_has_http_modules_checked():
    names = {str(p.relative_to(ROOT)) for p in HTTP_MODULES}
    assert {
        "patients/views.py",
        "patients/api.py",
        "assessments/views.py",
        "assessments/api.py",
        "assessments/presentation.py",
        "treatment/views.py",
        "scheduling/views.py",
        "accounts/views.py",
        "audit/views.py",
    } <= names


@pytest.mark.parametrize("path", HTTP_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_http_code_does_not_query_models_directly(path):
    hits = manager_uses(path.read_text(), model_names())
    assert hits == [], "read through the app's access helpers and selectors instead"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a = Assessment.objects.get(public_id=pk)", ["Assessment.objects"]),
        ("p = Patient.objects.filter(x=1).first()", ["Patient.objects"]),
        ("u = get_user_model().objects.get(pk=1)", ["get_user_model().objects"]),
        ("e = AuditEvent._default_manager.all()", ["AuditEvent._default_manager"]),
        ("empty = AuditEvent.objects.none()", []),
        ("a = access_assessment(actor, pk, write=False)", []),
        ("o = form.objects", []),
    ],
)
def test_the_check_catches_a_direct_query(source, expected):
    models = {"Assessment", "Patient", "AuditEvent"}
    assert [text for _line, text in manager_uses(source, models)] == expected
