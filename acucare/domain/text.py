"""Free text typed by people: trimmed, bounded, and free of control characters.

PostgreSQL cannot store NUL, and other control characters only ever arrive by
accident or malice, so they are refused with a message naming the field rather than
failing deep in the database.
"""

from __future__ import annotations

import unicodedata

from acucare.domain.errors import InputError

_ALLOWED_IN_MULTILINE = frozenset("\n\r\t")
# Bidirectional embeddings, overrides and isolates make text display differently from
# what it contains (a name could show as someone else's). Ordinary right-to-left text
# needs none of them; joiners and other format characters that scripts need are kept.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain_text(value: object, field: str, *, max_length: int, multiline: bool = False) -> str:
    """`value` as trimmed text, or InputError naming `field`."""
    if not isinstance(value, str):
        raise InputError(field, "Expected text.")
    text = value.strip()
    for char in text:
        if char in _BIDI_CONTROLS or (
            unicodedata.category(char) in {"Cc", "Cs"}
            and not (multiline and char in _ALLOWED_IN_MULTILINE)
        ):
            raise InputError(field, f"Contains a control character (U+{ord(char):04X}).")
    if len(text) > max_length:
        raise InputError(
            field,
            f"At most {max_length} characters ({len(text)} given).",
            {"min": 0, "max": max_length},
        )
    return text


# The longest search text any search box or query parameter takes (issue 14: unbounded
# text reached a backtracking pattern). Pages cut longer text; the API refuses it.
MAX_SEARCH_LENGTH = 100


def search_text(value: str, *, max_length: int = MAX_SEARCH_LENGTH) -> str:
    """A search box's text: control characters dropped, trimmed, bounded (never an error)."""
    kept = "".join(
        c for c in value if c not in _BIDI_CONTROLS and unicodedata.category(c) not in {"Cc", "Cs"}
    )
    return kept.strip()[:max_length]
