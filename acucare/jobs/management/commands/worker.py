"""`manage.py worker`: run background jobs from the configured queue until stopped."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run background jobs until stopped (SIGTERM/SIGINT finish the current job first). "
        "Uses the database queue, or Redis when ACUCARE_TASKS_BACKEND=redis."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--burst",
            action="store_true",
            help="Run the jobs that are waiting, then exit (tests, one-off catch-up).",
        )
        parser.add_argument(
            "--no-fork",
            action="store_true",
            help=(
                "Redis only: run each job in the worker's own process instead of a forked "
                "child (tests on an in-memory database, debuggers)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.ACUCARE_TASKS_BACKEND
        if backend == "redis":
            rq_options: dict[str, Any] = {
                "job_class": "django_tasks_rq.backend.Job",
                # The scheduler moves retries (run_after) onto the queue when they are due.
                "with_scheduler": True,
                "burst": options["burst"],
            }
            if options["no_fork"]:
                rq_options["worker_class"] = "rq.worker.SimpleWorker"
            call_command("rqworker", settings.ACUCARE_JOB_QUEUE, **rq_options)
        elif backend == "database":
            db_options: dict[str, Any] = {
                "batch": options["burst"],
                "startup_delay": False,
                "queue_name": settings.ACUCARE_JOB_QUEUE,
            }
            call_command("db_worker", **db_options)
        else:
            self.stdout.write("ACUCARE_TASKS_BACKEND=immediate runs jobs as they are queued.")
