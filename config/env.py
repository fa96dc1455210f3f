"""Read and validate acucare's settings from ACUCARE_* environment variables.

Every reader names the variable and the values it accepts when a value is wrong, and
`Environment.problems` collects what is missing so the settings module can refuse to
start with one message listing all of it (ImproperlyConfigured), rather than failing on
the first and leaving the operator to discover the rest one restart at a time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass
class Environment:
    """A typed view of the environment. `problems` gathers missing required values."""

    values: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    problems: list[str] = field(default_factory=list)

    def raw(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else value.strip()

    def string(self, name: str, default: str) -> str:
        value = self.raw(name)
        return default if value is None or value == "" else value

    def required(self, name: str, why: str) -> str:
        """The value, or "" after recording `name` as missing with the reason it is needed."""
        value = self.raw(name)
        if not value:
            self.problems.append(f"{name} is required {why}")
            return ""
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a yes/no value; allowed: 1, true, yes, on, 0, false, no, off"
        )

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a whole number; allowed: an integer ≥ {minimum}"
            ) from None
        if number < minimum:
            raise ImproperlyConfigured(
                f"{name}={value!r} is too small; allowed: an integer ≥ {minimum}"
            )
        return number

    def port(self, name: str, default: int) -> int:
        number = self.integer(name, default, minimum=1)
        if number > 65535:
            raise ImproperlyConfigured(
                f"{name}={number!r} is not a port number; allowed: an integer from 1 to 65535"
            )
        return number

    def email_address(self, name: str, default: str) -> str:
        """An address to send from: `name@host` or `Display Name <name@host>`."""
        value = self.string(name, default)
        address = value.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in value else value
        local, _, host = address.partition("@")
        if not local or not host or any(c.isspace() for c in address) or "@" in host:
            raise ImproperlyConfigured(
                f"{name}={value!r} is not an e-mail address; allowed: name@host or "
                "'Clinic name <name@host>'"
            )
        return value

    def site_url(self, name: str, default: str) -> str:
        """The site's public address, `https://host[:port]`, without a path: e-mails'
        links start with it."""
        value = self.string(name, default).rstrip("/")
        if not value:
            return ""
        scheme, separator, rest = value.partition("://")
        if (
            scheme not in ("http", "https")
            or not separator
            or not rest
            or any(c in rest for c in "/?#@ ")
        ):
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a site address; allowed: https://host or "
                "https://host:port (http for a development checkout), without a path"
            )
        return value

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.string(name, default).lower()
        if value not in allowed:
            raise ImproperlyConfigured(
                f"{name}={value!r} is not recognised; allowed: {', '.join(allowed)}"
            )
        return value

    def words(self, name: str, default: str = "") -> list[str]:
        """A comma-separated list, blanks dropped."""
        return [item.strip() for item in self.string(name, default).split(",") if item.strip()]

    def refuse_if_incomplete(self) -> None:
        if self.problems:
            listed = "\n  - ".join(self.problems)
            raise ImproperlyConfigured(
                "acucare refuses to start with an incomplete production configuration:\n"
                f"  - {listed}\n"
                "Set them in the environment (see docs/operations.md), or set ACUCARE_DEBUG=1 "
                "for a development checkout."
            )
