"""`manage.py backup FILE`: a consistent, compressed, optionally encrypted archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from acucare.operations.backup import BackupError, create_backup, generate_key, parse_key


def key_from(options: dict[str, Any]) -> bytes | None:
    """The key from --key-file, else ACUCARE_BACKUP_KEY, else None (no encryption)."""
    if options.get("key_file"):
        path = Path(options["key_file"])
        if not path.is_file():
            raise CommandError(f"--key-file: {path} is not a file")
        return parse_key(path.read_text())
    if settings.ACUCARE_BACKUP_KEY:
        return parse_key(settings.ACUCARE_BACKUP_KEY)
    return None


class Command(BaseCommand):
    help = (
        "Back up the database and the stored documents into FILE (gzip tar; AES-256-GCM "
        "encrypted when ACUCARE_BACKUP_KEY or --key-file gives a key). --enqueue queues "
        "today's scheduled backup into ACUCARE_BACKUP_DIR instead (once per day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Where to write the archive.")
        parser.add_argument("--key-file", help="A file holding the encryption key.")
        parser.add_argument(
            "--no-encrypt",
            action="store_true",
            help="Write an unencrypted archive even when ACUCARE_BACKUP_KEY is set.",
        )
        parser.add_argument(
            "--generate-key", action="store_true", help="Print a new random key and exit."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue today's scheduled backup as a background job (idempotent per day).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        if options["enqueue"]:
            from acucare.operations.jobs import enqueue_scheduled_backup

            run = enqueue_scheduled_backup()
            self.stdout.write(f"scheduled backup {run.key}: {run.get_status_display()}")
            return
        if not options["file"]:
            raise CommandError("FILE: give the archive's path (or --enqueue, --generate-key)")
        try:
            key = None if options["no_encrypt"] else key_from(options)
            summary = create_backup(Path(options["file"]), key=key)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"wrote {summary.path} ({summary.size_bytes} bytes, {summary.engine}, "
            f"{summary.tables} tables, {summary.rows} rows, {summary.documents} documents, "
            f"{'encrypted' if summary.encrypted else 'not encrypted'})"
        )
