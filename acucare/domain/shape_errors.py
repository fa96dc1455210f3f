"""One way to say what is wrong with a document's shape, as an `InputError`.

A shape error is described as pydantic-core describes it (an error kind such as
``missing`` or ``literal_error``, the location as a tuple of keys and indexes, the value
found): the intake's own reader (`acucare.domain.intake_shape`) and the pydantic models of
the session document both speak it, so a misspelt key or an out-of-range number reads
the same whichever document it is in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from acucare.domain.errors import InputError

# The longest medication name an intake may give (acucare.domain.intake_shape).
MEDICATION_MAX_LENGTH = 200

Location = tuple[int | str, ...]

TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "string_too_short": "must not be empty",
    "string_too_long": f"must be at most {MEDICATION_MAX_LENGTH} characters",
}


def dotted_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """('conditions', 0, 'icd10') -> 'conditions[0].icd10'."""
    path = prefix.rstrip(".")
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def shape_error(
    kind: str,
    loc: Location,
    value: object,
    *,
    prefix: str,
    document_name: str,
    fields: list[str] | None = None,
    max_length: int | None = None,
    vocabularies: Mapping[str, Sequence[object]] | None = None,
    ranges: Mapping[str, dict[str, int]] | None = None,
) -> InputError:
    """The `InputError` for one shape error of kind `kind` at `loc`.

    `fields` are the fields allowed beside an unknown one (``extra_forbidden``);
    `max_length` the longest list allowed (``too_long``); `vocabularies` and `ranges` the
    closed vocabularies and number ranges by field name, named as the allowed values.
    """
    vocabularies = vocabularies or {}
    ranges = ranges or {}
    path = dotted_path(loc, prefix) or document_name
    name = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        return InputError(field=path, message=f"unknown field {name!r}", allowed=fields)
    if kind == "missing":
        return InputError(field=path, message="this field is required")
    if kind == "literal_error":
        vocabulary = vocabularies.get(name)
        return InputError(
            field=path,
            message=f"unknown value {value!r}",
            allowed=list(vocabulary) if vocabulary is not None else None,
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        return InputError(
            field=path, message=f"{value!r} is out of range", allowed=ranges.get(name)
        )
    if kind == "too_short":
        return InputError(field=path, message="needs at least one entry")
    if kind == "too_long":
        return InputError(
            field=path,
            message=f"at most {max_length} entries",
            allowed={"min": 0, "max": max_length},
        )
    if kind in ("int_type", "int_from_float") and name in ranges:
        return InputError(field=path, message=TYPE_MESSAGES[kind], allowed=ranges[name])
    if kind == "string_type" and name in vocabularies:
        return InputError(field=path, message=TYPE_MESSAGES[kind], allowed=list(vocabularies[name]))
    return InputError(field=path, message=TYPE_MESSAGES.get(kind, "is not a valid value"))
