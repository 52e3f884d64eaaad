"""Formatting helpers for the labeling templates: chips, labels and the code block."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from annotator.core import taxonomy
from annotator.labeling.rendering import SUGGESTION, Line, Mark, Piece, Segment

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


@register.filter
def cents(amount: int | None) -> str:
    amount = amount or 0
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount) // 100}.{abs(amount) % 100:02d}"


@register.filter
def duration(seconds: int | None) -> str:
    seconds = max(0, int(seconds or 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


# The code block is built here rather than in a template loop: it is the hot part of
# the page (hundreds of pieces), and every piece of text goes through escape().


def _piece_html(piece: Piece) -> str:
    text = escape(piece.text)
    if piece.cls == "bidi":
        # Shown as a visible marker (CSS) and isolated so it cannot reorder its neighbours.
        return f'<span class="bidi" data-cp="U+{ord(piece.text):04X}">{text}</span>'
    if piece.cls:
        return f'<span class="t-{piece.cls}">{text}</span>'
    return text


def _segment_html(segment: Segment, labels: bool) -> str:
    inner = "".join(_piece_html(p) for p in segment.pieces)
    mark = segment.mark
    if mark is None:
        return inner
    if mark.kind == SUGGESTION:
        return _suggestion_html(segment, inner)
    classes = f"span-mark cat-{mark.category}" + (" span-end" if segment.closes_mark else "")
    focus = ' tabindex="0"' if segment.opens_mark and labels else ""
    label = taxonomy.Category(mark.category).label
    return (
        f'<mark class="{classes}" data-span="{mark.index}" data-chip="{escape(mark_chip(mark))}"'
        f' title="{escape(label)}"{focus}>{inner}</mark>'
    )


def _suggestion_html(segment: Segment, inner: str) -> str:
    """A suggested span: only S/Y/R reach it (tabindex -1), Tab still walks the spans."""
    mark = segment.mark
    classes = f"suggestion-mark cat-{mark.category}"
    classes += " suggestion-end" if segment.closes_mark else ""
    focus = ' tabindex="-1"' if segment.opens_mark else ""
    label = escape(f"Suggested: {taxonomy.Category(mark.category).label}")
    return (
        f'<mark class="{classes}" data-suggestion="{mark.index}"'
        f' data-chip="{escape(mark_chip(mark))}?" title="{label}"{focus}>{inner}</mark>'
    )


@register.simple_tag
def code_lines(lines: list[Line], labels: bool = True) -> SafeString:
    """The lines of a snippet as HTML whose text content is the snippet, to the character."""
    html = [
        f'<span class="line" data-offset="{line.offset}" data-line="{line.number}">'
        + "".join(_segment_html(s, labels) for s in line.segments)
        + "</span>"
        for line in lines
    ]
    return mark_safe("".join(html))
