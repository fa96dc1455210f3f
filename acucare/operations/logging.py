"""JSON-lines logging with the request's id and user attached to every line.

`JsonFormatter` writes one JSON object per record: time, level, logger, message and the
request context, plus any `extra` fields a caller passes. Exceptions are written as
their class and stack frames (file, line, function) without the exception's message:
database and validation errors quote the values that caused them, and those can be a
patient's name or date of birth. The traceback text is never logged for that reason.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import traceback
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
user_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_id", default="")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "user_id", "taskName"}
)
# Django attaches the request (and a socket on runserver) to some records: never dump them.
_DROPPED = frozenset({"request", "server_time", "status_code"})


class RequestContextFilter(logging.Filter):
    """Stamp the current request's id and user id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": _without_path(record),
        }
        for name in ("request_id", "user_id"):
            value = getattr(record, name, "")
            if value:
                entry[name] = value
        for name, value in record.__dict__.items():
            if name in _STANDARD or name in _DROPPED or name.startswith("_"):
                continue
            entry[name] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            entry["exception"] = f"{kind.__module__}.{kind.__qualname__}"
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(entry, ensure_ascii=False)


def _without_path(record: logging.LogRecord) -> str:
    """The message, with the request's path taken out of Django's own lines
    ("Internal Server Error: /patients/…/"): a path can hold whatever was typed into the
    address bar. The request line logs the route, and the path only when it is safe."""
    message = record.getMessage()
    path = str(getattr(getattr(record, "request", None), "path", "") or "")
    if len(path) > 1:
        escaped = path.encode("unicode_escape").decode("ascii")
        message = message.replace(escaped, "<path>").replace(path, "<path>")
    return message
