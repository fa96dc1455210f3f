"""A bounded schemathesis run against the OpenAPI document (issue 14): every operation
gets a few generated requests, signed in with a practitioner's personal access token (an
admin's for the audit log), and no answer may be a server error or fall outside the documented
status codes, content types and schemas.

Bounded to stay within about a minute on the CI machine: EXAMPLES requests per
operation, no shrinking, no stateful links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from acucare.accounts.services import api_token_create
from config.wsgi import application
from tests.factories import actor, make_admin, make_episode, make_patient, make_practitioner

EXAMPLES = 2
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def tokens(db: Any) -> Iterator[dict[str, str]]:
    doc = make_practitioner()
    make_episode(make_patient(doc))
    _row, doc_token = api_token_create(actor=actor(doc), name="fuzz")
    _row, admin_token = api_token_create(actor=actor(make_admin()), name="fuzz")
    # The WSGI app is called directly: keep Django from closing the test's database
    # connection at the end of each request, as its own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"practitioner": doc_token, "admin": admin_token}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_inside_its_documented_schemas(case: Any, tokens: dict[str, str]) -> None:
    # The admin for the audit log (a practitioner is refused it, 403, as documented),
    # a practitioner for everything clinical.
    token = tokens["admin" if "/audit/" in case.path else "practitioner"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
