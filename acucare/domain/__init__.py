"""The pure clinical core: scoring, screening, planning and outcomes.

Nothing here imports Django (an import-linter contract enforces it). Functions take
plain values and the knowledge-base registry, and return plain values.
"""
