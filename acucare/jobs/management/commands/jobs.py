"""`manage.py jobs`: the most recent background job runs with their progress."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from acucare.jobs.models import JobRun


class Command(BaseCommand):
    help = "List recent background job runs: status, attempts and progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20, help="How many runs (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = max(1, min(int(options["limit"]), 1000))
        for run in JobRun.objects.all()[:limit]:
            name = run.task_path.rsplit(".", 1)[-1]
            detail = f" ({run.error})" if run.error else ""
            step = f" — {run.progress_message}" if run.progress_message else ""
            self.stdout.write(
                f"{run.created_at:%Y-%m-%d %H:%M} {name} [{run.key}] "
                f"{run.get_status_display()}{detail}, attempt {run.attempts}/{run.max_attempts}, "
                f"{run.percent}%{step}"
            )
