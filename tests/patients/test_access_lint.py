"""Views and API handlers reach patient data only through access helpers and
selectors: no `Patient.objects`, `Episode.objects` or `PatientShare.objects` there."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "acucare"
FORBIDDEN = re.compile(r"\b(Patient|Episode|EpisodeCondition|PatientShare)\.objects\b")
HTTP_MODULES = sorted(
    p
    for p in ROOT.rglob("*.py")
    if p.name in {"views.py", "api.py", "forms.py", "urls.py"} or p.parent.name == "views"
)


def test_there_are_http_modules_to_check():
    assert any(p.parent.name == "patients" and p.name == "views.py" for p in HTTP_MODULES)


@pytest.mark.parametrize("path", HTTP_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_direct_patient_queries_in_http_code(path):
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert hits == [], "use acucare.patients.access / selectors instead"


def test_the_lint_catches_a_direct_query():
    assert FORBIDDEN.search("patient = Patient.objects.get(public_id=pk)")
    assert not FORBIDDEN.search("patient = access_patient(actor, pk, clinical=True, write=False)")
