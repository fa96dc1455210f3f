"""The interactive API documentation renders under the strict CSP (issue 15, item 15)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import csp_violations


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_render_the_operations_under_the_csp(page: Any) -> None:
    page.goto(f"{page.base_url}/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert csp_violations(page) == []
    assert page.locator(".opblock").count() > 10
