"""`{% load sessions_table %}` then `{% session_rows plan.sessions_shown %}`: the rows of
the episode page's sessions table, built in Python. A template loop over a hundred-session
course resolved some fifteen thousand variables and reversed a URL per row, most of the
page's time (bench/profile_pages.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# One reverse for the whole table: the session's link is this with its id in place.
_PLACEHOLDER = uuid.UUID(int=0)


@register.simple_tag
def session_rows(sessions: Iterable[Any]) -> SafeString:
    """Each session as a table row: its link, date, pain before → after, needles in/out
    (a mismatch flagged), adverse events (serious ones flagged) and who signed it."""
    link = reverse("treatment:session", args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))
    rows = []
    for s in sessions:
        before = "—" if s.pain_before is None else s.pain_before
        after = "—" if s.pain_after is None else s.pain_after
        mismatch = ' <strong class="error">mismatch</strong>' if s.needle_mismatch else ""
        serious = (
            f' <strong class="error">({s.serious_event_count} serious)</strong>'
            if s.serious_event_count
            else ""
        )
        signed = f"Signed by {escape(s.signed_by_name)}" if s.signed else "Not signed"
        amendments = s.amendment_count
        if amendments:
            signed += f", {amendments} amendment{'' if amendments == 1 else 's'}"
        rows.append(
            f'<tr><td><a href="{link[0]}{s.public_id}{link[1]}">Session {s.number}</a></td>\n'
            f"        <td>{s.date:%-d %b %Y}</td>\n"
            f"        <td>{before} → {after}</td>\n"
            f"        <td>{s.needles_in}/{s.needles_out}{mismatch}</td>\n"
            f"        <td>{s.adverse_event_count}{serious}</td>\n"
            f"        <td>{signed}</td></tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 - the only text (a name) is escaped above
