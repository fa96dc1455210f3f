"""Readiness checks: does each service acucare needs answer? (True or False, never raises.)"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger("acucare.readiness")


def database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except Exception:
        logger.warning("readiness: the database is not answering", exc_info=True)
        return False


def queue_ready() -> bool:
    """The job queue answers: Redis replies to PING, or the database queue's table reads."""
    try:
        if settings.ACUCARE_TASKS_BACKEND == "redis":
            import redis

            client = redis.Redis.from_url(
                settings.ACUCARE_REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            )
            try:
                return bool(client.ping())
            finally:
                client.close()
        if settings.ACUCARE_TASKS_BACKEND == "database":
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.filter(status="READY").exists()
        return True
    except Exception:
        logger.warning("readiness: the job queue is not answering", exc_info=True)
        return False
