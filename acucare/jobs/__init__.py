"""Background jobs: the conventions every long job in acucare follows (see framework.py
and docs/operations.md)."""
