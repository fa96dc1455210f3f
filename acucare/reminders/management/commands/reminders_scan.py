"""`manage.py reminders_scan [--enqueue]`: what reminders are due now; with --enqueue,
claim them (once only) and queue their e-mails for the worker. A systemd timer runs it
with --enqueue every quarter of an hour (deploy/systemd/acucare-reminders.timer)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from acucare.reminders.models import ReminderKind
from acucare.reminders.selectors import reminders_due
from acucare.reminders.services import reminders_claim


def _counted(kinds: Counter[str]) -> str:
    labels = dict(ReminderKind.choices)
    parts = [f"{n} {labels[k].lower()}" for k, n in sorted(kinds.items())]
    return ", ".join(parts) if parts else "none"


class Command(BaseCommand):
    help = (
        "List the e-mail reminders due now (appointments, due questionnaires) that have "
        "not been sent; with --enqueue, claim each once and queue it for the worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Claim the due reminders and queue their e-mails (the timer's way).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ACUCARE_SITE_URL:
            raise CommandError(
                "ACUCARE_SITE_URL is not set: reminder e-mails link to the portal at the "
                "site's address (e.g. https://clinic.example.org). Set it and run again."
            )
        due = reminders_due(now=timezone.now())
        # Counts only: the output goes to logs, which never carry patient data.
        self.stdout.write(f"Due now: {_counted(Counter(d.kind for d in due))}.")
        if options["enqueue"]:
            claimed = reminders_claim(due=due)
            self.stdout.write(
                f"Queued: {_counted(Counter(r.kind for r in claimed))} (the worker sends them)."
            )
