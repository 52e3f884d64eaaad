"""Formatting for the dashboard: charts, percentages, durations."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annotator.dashboard.charts import ChartSvg

register = template.Library()


@register.simple_tag
def svg_chart(svg: object) -> SafeString:
    """Insert an SVG built by `dashboard.charts` as markup; anything else as text.

    Only `ChartSvg` is trusted: charts.py escapes every label it writes into one.
    """
    if isinstance(svg, ChartSvg):
        return mark_safe(svg)  # built and escaped by dashboard.charts
    return escape(svg)


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.873 -> "87%"; None -> a dash."""
    if value is None:
        return "\u2013"
    return f"{100 * value:.{int(digits)}f}%"


@register.filter
def fixed(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "\u2013"
    return f"{value:.{int(digits)}f}"


@register.filter
def hours(seconds: float | None) -> str:
    """A duration for people: "45 s", "12 min", "3.5 h", "2.1 days"."""
    if seconds is None:
        return "\u2013"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
