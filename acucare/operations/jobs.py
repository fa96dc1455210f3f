"""Background jobs of operations: the scheduled backup, with progress and retention."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings

from acucare.jobs.framework import JobContext, enqueue_job, job
from acucare.jobs.models import JobRun
from acucare.operations.backup import create_backup, parse_key

logger = logging.getLogger("acucare.operations")

ARCHIVE_PREFIX = "acucare-"
ARCHIVE_SUFFIX = ".backup"


def archive_name(stamp: dt.datetime) -> str:
    return f"{ARCHIVE_PREFIX}{stamp:%Y%m%d-%H%M%S}{ARCHIVE_SUFFIX}"


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest archives made by the scheduled backup."""
    archives = sorted(folder.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"), reverse=True)
    removed = archives[keep:]
    for old in removed:
        old.unlink(missing_ok=True)
    return removed


@job(max_attempts=3, retry_after_seconds=300)
def scheduled_backup(ctx: JobContext) -> dict[str, Any]:
    """Back up into ACUCARE_BACKUP_DIR under the run's date, then apply retention.

    Idempotent: the archive's name comes from the day in the run's parameters, and a
    second run for the same day replaces the file rather than adding one."""
    folder = Path(settings.ACUCARE_BACKUP_DIR)
    day = dt.datetime.fromisoformat(str(ctx.params["at"]))
    key = parse_key(settings.ACUCARE_BACKUP_KEY) if settings.ACUCARE_BACKUP_KEY else None
    summary = create_backup(
        folder / archive_name(day),
        key=key,
        progress=lambda done, total, message: ctx.progress(done, total + 1, message),
    )
    removed = prune_backups(folder, settings.ACUCARE_BACKUP_KEEP)
    ctx.progress(1, 1, "Old backups removed", force=True)
    return {
        "file": summary.path.name,
        "bytes": summary.size_bytes,
        "tables": summary.tables,
        "rows": summary.rows,
        "documents": summary.documents,
        "encrypted": summary.encrypted,
        "removed": [path.name for path in removed],
    }


def enqueue_scheduled_backup(now: dt.datetime | None = None) -> JobRun:
    """Queue today's backup once (the key is the UTC date): a timer that fires twice, or
    a retry of the timer, does not make two backups."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return enqueue_job(
        scheduled_backup, key=f"backup:{stamp:%Y-%m-%d}", params={"at": stamp.isoformat()}
    )
