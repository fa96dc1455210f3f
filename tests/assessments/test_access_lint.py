"""Assessment pages and API handlers reach assessments only through the access helper
and selectors: no `Assessment.objects` or `FindingAcknowledgement.objects` in HTTP code
or template tags anywhere in acucare."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "acucare"
FORBIDDEN = re.compile(r"\b(Assessment|FindingAcknowledgement)\.objects\b")
HTTP_MODULES = sorted(
    p
    for p in ROOT.rglob("*.py")
    if p.name in {"views.py", "api.py", "forms.py", "urls.py", "presentation.py"}
    or p.parent.name in {"views", "templatetags"}
)


def test_the_assessment_modules_are_checked():
    names = {str(p.relative_to(ROOT)) for p in HTTP_MODULES}
    assert {"assessments/views.py", "assessments/api.py", "assessments/forms.py"} <= names


@pytest.mark.parametrize("path", HTTP_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_direct_assessment_queries_in_http_code(path):
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert hits == [], "use acucare.assessments.access / selectors instead"


def test_the_lint_catches_a_direct_query():
    assert FORBIDDEN.search("a = Assessment.objects.get(public_id=pk)")
    assert not FORBIDDEN.search("a = access_assessment(actor, pk, write=False)")
