"""gunicorn settings for `make serve`, the container image and the systemd unit.

Environment: ACUCARE_BIND (default 127.0.0.1:8000), ACUCARE_WEB_WORKERS (default: two per
CPU core plus one), ACUCARE_WEB_THREADS (default 1), ACUCARE_FORWARDED_ALLOW_IPS (the
proxy addresses whose X-Forwarded-* headers gunicorn trusts; default 127.0.0.1).
Access logging is off: acucare's own request lines (JSON, without query strings, with
the request id and user id) replace it. gunicorn's own messages are JSON lines too.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any

bind = os.environ.get("ACUCARE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ACUCARE_WEB_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("ACUCARE_WEB_THREADS") or 1)
forwarded_allow_ips = os.environ.get("ACUCARE_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the application once in the master: a broken configuration fails before any
# worker forks, and workers share the loaded knowledge base's memory.
preload_app = True
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = None
errorlog = "-"
loglevel = os.environ.get("ACUCARE_LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "acucare.operations.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "propagate": False},
    },
}


def when_ready(server: Any) -> None:
    """In the master, after the application is loaded and before the first worker forks.

    Load the knowledge base here: it is read-only, each worker would otherwise load its
    own copy on its first request, and a broken one stops the server now. Compile the
    templates and build the URL tables here too (acucare.operations.warmup): otherwise
    each worker, new or recycled, spends about 120 ms of CPU on them during its first
    pages, while requests queue behind it. Then move all
    that is loaded to the garbage collector's permanent generation (`gc.freeze`, see its
    Python documentation). Otherwise every worker's collections walk those objects and
    write to their headers, so copy-on-write gives each worker its own copy of the pages:
    memory no longer shared, and CPU spent on page faults and a colder cache. Workers
    forked later (recycled after max_requests) inherit the frozen generation.
    bench/web.py, PostgreSQL, five workers on two cores: the chart's throughput rose from
    52-56 to 65-68 pages a second, the other pages' by a fifth."""
    from acucare.kb import registry
    from acucare.operations.warmup import warm_up

    registry()
    warmed = warm_up()
    server.log.info(
        "warmed up before forking: %d templates compiled, %d URL resolvers built",
        warmed.templates,
        warmed.url_resolvers,
    )
    gc.collect()
    gc.freeze()
