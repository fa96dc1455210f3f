"""Template helpers of the intake pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from acucare.assessments.body_map import Region

register = template.Library()


@register.simple_tag
def region_attributes(region: Region, selected: set[str]) -> str:
    """The accessible checkbox attributes of one region of the pain drawing."""
    checked = region.site.name in selected
    return format_html(
        'role="checkbox" tabindex="0" aria-checked="{}" aria-label="{}" data-site="{}" '
        'class="region{}"',
        "true" if checked else "false",
        region.name,
        region.site.name,
        " selected" if checked else "",
    )


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key) if mapping else None
