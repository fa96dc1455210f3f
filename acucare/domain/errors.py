"""One error vocabulary for rejected input, shared by the CLI and the web API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InputError(Exception):
    """Input that the clinical core refuses: names the field and what would be allowed.

    `field` is a dotted path such as ``history[1]`` or ``questionnaires.phq9.3``.
    `allowed` is a list of allowed values, or a range such as ``{"min": 0, "max": 10}``.
    """

    field: str
    message: str
    allowed: Sequence[Any] | dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def as_document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.allowed is not None:
            body["allowed"] = (
                list(self.allowed) if not isinstance(self.allowed, dict) else self.allowed
            )
        return {"error": body}
