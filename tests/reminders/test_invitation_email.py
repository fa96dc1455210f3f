"""The portal invitation goes through the same path as the reminders: a background job,
Django's SMTP backend, a real SMTP server; its link starts with ACUCARE_SITE_URL."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from acucare.portal.models import Invitation
from acucare.portal.tokens import digest
from tests.factories import make_patient, make_practitioner, signed_in
from tests.reminders.conftest import SITE

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_invitation_is_emailed_by_the_worker_with_the_sites_address(smtp):
    practitioner = make_practitioner()
    patient = make_patient(practitioner, given_name="Ines", email="ines@example.org")
    page = signed_in(practitioner).post(f"/portal/staff/patients/{patient.public_id}/invite/")
    assert page.status_code == 200
    assert smtp.mailbox.messages == []  # sent by the worker, not the page
    call_command("worker", burst=True)
    [message] = smtp.mailbox.messages
    assert message["To"] == "ines@example.org"
    [body] = smtp.mailbox.bodies()
    link = re.search(rf"{re.escape(SITE)}/portal/invitation/([0-9a-f]{{64}})/", body)
    assert link is not None
    # The page showed the same link; the database holds only its digest.
    assert link.group(0) in page.content.decode()
    assert Invitation.objects.get().digest == digest(link.group(1))
