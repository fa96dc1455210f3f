"""`manage.py restore FILE`: bring a backup back into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from acucare.operations.backup import BackupError, restore_backup
from acucare.operations.management.commands.backup import key_from


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, which "
        "must be empty (no tables), and its documents into ACUCARE_DOCUMENTS_DIR. The "
        "archive is checked completely before anything is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The archive to restore.")
        parser.add_argument("--key-file", help="A file holding the decryption key.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = restore_backup(Path(options["file"]), key=key_from(options))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"restored {len(counts)} tables, {sum(counts.values())} rows; "
            "every table's row count matches the backup"
        )
