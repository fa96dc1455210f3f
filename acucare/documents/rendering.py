"""A document's content as HTML (the preview page) and as a tagged PDF (WeasyPrint).

The letterhead is the clinic's: its name from the clinic settings row, and its address,
phone, e-mail, logo and colour from the settings `ACUCARE_CLINIC_ADDRESS`,
`ACUCARE_CLINIC_PHONE`, `ACUCARE_CLINIC_EMAIL`, `ACUCARE_DOCUMENT_LOGO` (a PNG, JPEG or
SVG file) and `ACUCARE_DOCUMENT_COLOUR` (docs/documents.md).

PDFs are PDF/UA-1 (WeasyPrint's tagged variant: headings, lists, tables and the chart's
text alternative reach a screen reader), in the document's language, with its title as
the PDF title. WeasyPrint fetches nothing: the logo is embedded as a data URI and any
other URL is refused, so a document cannot make the server fetch anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from acucare.accounts.models import User
from acucare.accounts.selectors import clinic_settings
from acucare.documents.content import DocumentContent

PDF_VARIANT = "pdf/ua-1"
DEFAULT_COLOUR = "#1f4e79"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    logo: str = ""  # a data: URI, or empty
    colour: str = DEFAULT_COLOUR


@dataclass(frozen=True)
class Signature:
    name: str
    credentials: str
    signed_at: dt.datetime


def letterhead(clinic_name: str) -> Letterhead:
    """The clinic's letterhead from its name and the document settings."""
    colour = str(getattr(settings, "ACUCARE_DOCUMENT_COLOUR", "") or DEFAULT_COLOUR)
    if not _COLOUR.fullmatch(colour):
        colour = DEFAULT_COLOUR
    return Letterhead(
        name=clinic_name,
        address=str(getattr(settings, "ACUCARE_CLINIC_ADDRESS", "")),
        phone=str(getattr(settings, "ACUCARE_CLINIC_PHONE", "")),
        email=str(getattr(settings, "ACUCARE_CLINIC_EMAIL", "")),
        logo=_logo(str(getattr(settings, "ACUCARE_DOCUMENT_LOGO", "") or "")),
        colour=colour,
    )


def _logo(path: str) -> str:
    if not path:
        return ""
    file = Path(path)
    kind = _LOGO_TYPES.get(file.suffix.lower())
    if kind is None or not file.is_file():
        return ""
    return f"data:{kind};base64,{base64.b64encode(file.read_bytes()).decode()}"


def _static(name: str) -> str:
    found = finders.find(name)
    return Path(found).read_text(encoding="utf-8") if isinstance(found, str) else ""


_CHART_RULE = re.compile(r"^\.outcome-chart (\.[^{]+|text\s*)\{([^}]*)\}", re.MULTILINE)


def chart_style() -> str:
    """The outcome charts' line and marker styles (acucare/outcomes/outcomes.css, the
    pages' own), for a <style> inside the SVG: WeasyPrint styles an inline SVG only
    from its own stylesheet."""
    rules = []
    for match in _CHART_RULE.finditer(_static("acucare/outcomes/outcomes.css")):
        selectors = ", ".join(
            part.strip().removeprefix(".outcome-chart ").strip()
            for part in match.group(1).split(",")
        )
        rules.append(f"{selectors} {{{match.group(2).strip()}}}")
    return "\n".join(rules)


def render_html(
    content: DocumentContent,
    *,
    head: Letterhead,
    signature: Signature | None,
    for_print: bool = True,
) -> str:
    context: dict[str, Any] = {
        "doc": content,
        "head": head,
        "signature": signature,
        "for_print": for_print,
        "stylesheet": _static("acucare/documents/document.css") if for_print else "",
        "chart_style": chart_style(),
    }
    return render_to_string("documents/pdf.html", context)


def render_pdf(content: DocumentContent, *, head: Letterhead, signature: Signature | None) -> bytes:
    """The tagged PDF of `content`."""
    # Imported here: WeasyPrint loads pango, which the pages never need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(content, head=head, signature=signature)
    # data: URIs only (the embedded logo): a document makes the server fetch nothing.
    fetcher = URLFetcher(allowed_protocols=("data",), timeout=1)
    pdf = HTML(string=html, url_fetcher=fetcher, base_url="about:blank").write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        custom_metadata=True,
    )
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)


def credentials(user: User) -> str:
    """The signer's degree and licence title, as far as their profile records them."""
    try:
        profile = user.practitioner_profile
    except User.practitioner_profile.RelatedObjectDoesNotExist:
        return ""
    return ", ".join(part for part in (profile.degree, profile.licence_title) if part)


def signed_pdf(content: DocumentContent, *, signer: User, signed_at: dt.datetime) -> bytes:
    """The PDF with the clinic's letterhead and the signer's signature."""
    signature = Signature(
        name=signer.display_name,
        credentials=credentials(signer),
        signed_at=timezone.localtime(signed_at),
    )
    return render_pdf(content, head=letterhead(clinic_settings().name), signature=signature)
