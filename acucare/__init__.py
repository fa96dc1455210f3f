"""acucare: acupuncture-centred chronic-pain care."""

__version__ = "0.1.0"
