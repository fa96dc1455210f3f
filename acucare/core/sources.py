"""Named sources that an app higher in the layers registers with an app below it (in its
`AppConfig.ready()`), so the lower app can read data it may not import: the portal's
diary for the outcome charts and the FHIR record, the before-session answers for the
session form. Read in name order, so the result does not depend on which app was ready
first; registering a name again replaces it (an app reloaded in tests)."""

from __future__ import annotations

from typing import Generic, TypeVar

S = TypeVar("S")


class Sources(Generic[S]):
    def __init__(self) -> None:
        self._by_name: dict[str, S] = {}

    def register(self, name: str, source: S) -> None:
        self._by_name[name] = source

    def in_order(self) -> list[S]:
        return [source for _, source in sorted(self._by_name.items())]
