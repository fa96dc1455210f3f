from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created


def _purge_allowed() -> int:
    """1 only while the test suite empties the database between tests."""
    return 1 if getattr(settings, "ACUCARE_AUDIT_ALLOW_PURGE", False) else 0


def register_sqlite_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite's DELETE trigger on the audit log asks this function (migration 0005)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("acucare_audit_purge_allowed", 0, _purge_allowed)


class AuditConfig(AppConfig):
    name = "acucare.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        connection_created.connect(register_sqlite_guard, dispatch_uid="acucare_audit_guard")
