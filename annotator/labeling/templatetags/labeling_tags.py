"""Formatting helpers for the labeling templates: chips and labels, no logic."""

from django import template
from django.utils.html import format_html

from annotator.core import taxonomy
from annotator.labeling.rendering import Mark

register = template.Library()


@register.simple_tag
def category_chip(category: str) -> str:
    """A small label in the category's colour: the text carries the meaning, not the hue."""
    look = taxonomy.LOOKS[category]
    return format_html(
        '<span class="chip cat-{}" title="{}">{}</span>',
        category,
        taxonomy.Category(category).label,
        look.chip,
    )


@register.filter
def mark_chip(mark: Mark) -> str:
    """Text of the chip drawn after a marked span (CSS reads it from data-chip)."""
    chip = taxonomy.LOOKS[mark.category].chip
    if mark.context and mark.context != taxonomy.Context.REAL:
        return f"{chip} · {mark.context}"
    return chip
