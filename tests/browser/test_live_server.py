"""The browser tests' live server itself: pages a browser loads in parallel must not
trip over each other on the in-memory test database (conftest's serial_live_server)."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from acucare.audit.chain import verify_chain
from acucare.audit.models import AuditEvent
from tests.factories import make_patient, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARALLEL = 8
REQUESTS = 24


def test_parallel_chart_reads_each_get_their_own_audit_event(page, sign_in):
    doc = make_practitioner(username="lchen")
    patient = make_patient(doc)
    sign_in(page, "lchen")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    url = f"{page.base_url}/patients/{patient.public_id}/"
    before = AuditEvent.objects.count()

    def read_chart(_: int) -> int:
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(read_chart, range(REQUESTS)))

    assert statuses == [200] * REQUESTS
    assert AuditEvent.objects.count() >= before + REQUESTS
    assert verify_chain().ok
