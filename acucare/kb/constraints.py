"""The numeric and length constraints of the record types, without importing them at start.

The records declare their constraints as `annotated_types` does (``Annotated[int, Ge(1)]``,
``Annotated[str, MinLen(1)]``), and pydantic applies exactly `annotated_types`' own when it
validates the YAML: each class here hands pydantic its `annotated_types` namesake. What
they save is the import: `annotated_types` (with `typing_extensions`) is only imported
while the knowledge base is validated, not by every `acucare` command that reads the
cached registry (issue 16: `acucare plan` starts in under 0.2 s of CPU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema


@dataclass(frozen=True, slots=True)
class _Constraint:
    value: float

    def __get_pydantic_core_schema__(
        self, source: type[object], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        import annotated_types

        namesake = getattr(annotated_types, type(self).__name__)
        return handler(Annotated[source, namesake(self.value)])


class Ge(_Constraint):
    """At least `value` (annotated_types.Ge)."""

    __slots__ = ()


class Gt(_Constraint):
    """More than `value` (annotated_types.Gt)."""

    __slots__ = ()


class Le(_Constraint):
    """At most `value` (annotated_types.Le)."""

    __slots__ = ()


class MinLen(_Constraint):
    """At least `value` characters or entries (annotated_types.MinLen)."""

    __slots__ = ()
