"""`python manage.py audit_verify`: prove the audit log's hash chain unbroken, or name
the first event that was altered, removed or inserted. Exits 1 when the chain is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from acucare.audit.services import audit_verify_run


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first altered, removed or inserted event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-record",
            action="store_true",
            help="Do not keep the result for the admin's audit log page.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue today's verification as a background job (once per day).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from acucare.audit.tasks import enqueue_daily_audit_verify

            run = enqueue_daily_audit_verify()
            self.stdout.write(f"daily audit verification {run.key}: {run.get_status_display()}")
            return
        result = audit_verify_run(record=not options["no_record"])
        if not result.ok:
            where = (
                f" (event {result.first_bad_seq}, id {result.first_bad_id})"
                if result.first_bad_id
                else ""
            )
            raise CommandError(
                f"Audit chain BROKEN after {result.checked} good event(s): {result.message}{where}"
            )
        self.stdout.write(f"Audit chain OK: {result.message} Newest hash {result.head_hash}.")
