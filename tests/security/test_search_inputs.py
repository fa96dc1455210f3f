"""Every search takes bounded text, and long text is answered at once (issue 14: 27
letters in the point search took 6.8 s, 20,000 froze the server).

bench/search_input.py times the same inputs; this test bounds the length and checks that
every search answers long input with a page or a field error, never a hang or a 500."""

from __future__ import annotations

import pytest

from acucare.domain.text import MAX_SEARCH_LENGTH, search_text
from acucare.kb import registry
from acucare.kb.records.acupoints import resolve_point_code
from acucare.treatment.selectors import search_points
from tests.factories import make_admin, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

LONG_INPUTS = ("a" * 27, "a" * 20_000, "a-" * 5_000 + "!", "Ren " * 3_000, "1" * 20_000)

PAGE_SEARCHES = (
    ("practitioner", "/patients/?q="),
    ("practitioner", "/patients/conditions/?q="),
    ("practitioner", "/treatment/points/?q="),
    ("admin", "/admin/audit/?actor="),
)
API_SEARCHES = (
    ("practitioner", "/api/v1/patients?q=", "q"),
    ("practitioner", "/api/v1/conditions?q=", "q"),
    ("admin", "/api/v1/audit/events?actor=", "actor"),
    ("admin", "/api/v1/audit/events?object_type=", "object_type"),
)


def _client(role: str):
    return signed_in(make_admin() if role == "admin" else make_practitioner())


@pytest.mark.parametrize("text", LONG_INPUTS, ids=lambda t: f"{t[:4]}x{len(t)}")
def test_the_point_lookup_answers_long_text_without_backtracking(text):
    assert resolve_point_code(registry(), text) is None


def test_point_spellings_still_resolve():
    knowledge = registry()
    for spelling in ("BL-23", "bl 23", "UB023", "Du 20", "Ren 4", "LI.4", "st_36"):
        assert resolve_point_code(knowledge, spelling) is not None, spelling


def test_search_text_is_bounded():
    assert len(search_text("x" * 20_000)) == MAX_SEARCH_LENGTH
    assert search_points("a" * 20_000) == []


@pytest.mark.parametrize(("role", "url"), PAGE_SEARCHES)
@pytest.mark.parametrize("text", LONG_INPUTS[1:3], ids=["letters", "hyphens"])
def test_every_search_page_answers_long_text(role, url, text):
    response = _client(role).get(url + text)
    assert response.status_code == 200


@pytest.mark.parametrize(("role", "url", "field"), API_SEARCHES)
def test_every_api_search_refuses_text_over_the_bound(role, url, field):
    client = _client(role)
    response = client.get(url + "a" * 20_000)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert client.get(url + "a" * 20).status_code == 200


def test_no_pattern_in_the_code_nests_a_repeat_inside_a_repeat():
    """A group that holds a repeat and is itself repeated, `(a+)*` or `(?:[\\s-]*x+)*`,
    can backtrack exponentially; none may be written again."""
    import re
    from pathlib import Path

    literal = re.compile(
        r"""re\.(?:compile|match|search|fullmatch|sub|findall|split)\(\s*r?"([^"]*)\""""
    )
    nested = re.compile(r"\((?:[^()]|\\.)*?[+*}](?:[^()]|\\.)*?\)[+*{]")
    root = Path(__file__).resolve().parents[2] / "acucare"
    # Checked by hand: each repeat starts with a literal "_" that the inner class cannot
    # match, so there is one way to split any text and no backtracking blow-up.
    safe = {"core/words.py"}
    offenders = [
        f"{path.relative_to(root)}: {pattern}"
        for path in root.rglob("*.py")
        if str(path.relative_to(root)) not in safe
        for pattern in literal.findall(path.read_text())
        if nested.search(pattern)
    ]
    assert offenders == []
