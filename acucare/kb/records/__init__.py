"""Record types of the knowledge base, one module per collection.

Each record type is a frozen standard-library dataclass. pydantic validates the YAML
into these classes directly (strict about unknown keys through ``__pydantic_config__``),
so a record has one definition, and a cached registry unpickles without importing
pydantic. Each module declares ``COLLECTION`` and may define ``check(registry)`` for
cross-references that a single record cannot see.

Records have no ``__slots__``: a slotted frozen dataclass costs a second class at import
and unpickles through a Python ``__setstate__``, both on every `acucare` start (issue
16); frozen already stops assignment.
"""
