"""A real SMTP server for the reminder tests (aiosmtpd, on a free local port), and a
clinic with a portal patient who has a baseline questionnaire due and an appointment in
a few hours."""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.utils import timezone

from acucare.accounts.models import User
from acucare.patients.models import Episode, Patient
from tests.factories import make_appointment, make_episode, make_practitioner
from tests.portal.factories import make_portal_patient

SITE = "https://clinic.example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received, in order."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.messages.append(email.message_from_bytes(raw))
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [str(m.get_payload(decode=True).decode()) for m in self.messages]  # type: ignore[union-attr]


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """A running SMTP server that Django's SMTP backend sends to."""
    server = SmtpServer(free_port(), Mailbox())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Harbour Clinic <desk@clinic.example.org>"
    settings.ACUCARE_SITE_URL = SITE
    server.start()
    yield server
    server.stop()


@dataclass
class Clinic:
    practitioner: User
    patient: Patient
    user: User
    episode: Episode


@pytest.fixture
def clinic() -> Clinic:
    practitioner = make_practitioner()
    patient, user = make_portal_patient(
        practitioner, given_name="Marisol", family_name="Quenby", email="marisol@example.org"
    )
    episode = make_episode(patient, complaint="Chronic neck pain")
    make_appointment(patient, start=timezone.now() + dt.timedelta(hours=3))
    return Clinic(practitioner, patient, user, episode)
