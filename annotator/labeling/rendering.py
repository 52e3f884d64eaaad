"""Cut a snippet and its marked spans into lines of segments for the labeling page.

Pure: no ORM, no HTML. The template escapes every segment, and the DOM text of the
code container must equal the snippet text exactly (the browser turns a selection
into offsets by counting characters), so each line keeps its trailing "\\n" and
nothing else is added between segments.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """A span to highlight: [start, end) in snippet offsets; `index` names it in forms."""

    start: int
    end: int
    category: str
    context: str
    index: int


@dataclass(frozen=True)
class Segment:
    text: str
    mark: Mark | None = None
    # True on the piece of a span that ends here: the category chip is drawn after it.
    closes_mark: bool = False


@dataclass(frozen=True)
class Line:
    number: int  # line number in the source file (1-based)
    offset: int  # character offset of the line's first character in the snippet
    segments: tuple[Segment, ...]


def split_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line text with its "\\n") pairs. Only LF ends a line, as in the importer."""
    lines: list[tuple[int, str]] = []
    offset = 0
    while offset < len(text):
        newline = text.find("\n", offset)
        stop = len(text) if newline == -1 else newline + 1
        lines.append((offset, text[offset:stop]))
        offset = stop
    return lines or [(0, "")]


def _line_segments(line: str, offset: int, marks: Sequence[Mark]) -> tuple[Segment, ...]:
    stop = offset + len(line)
    segments: list[Segment] = []
    cursor = offset
    for mark in marks:
        if mark.end <= offset or mark.start >= stop:
            continue
        begin, end = max(mark.start, offset), min(mark.end, stop)
        if begin > cursor:
            segments.append(Segment(line[cursor - offset : begin - offset]))
        segments.append(Segment(line[begin - offset : end - offset], mark, end == mark.end))
        cursor = end
    if cursor < stop or not segments:
        segments.append(Segment(line[cursor - offset :]))
    return tuple(segments)


def render_lines(text: str, marks: Sequence[Mark], *, start_line: int = 1) -> list[Line]:
    """Lines of plain and marked segments; marks must not overlap (spans_validate ensures it).

    A mark that crosses a line break is cut into one segment per line; only the last
    piece `closes_mark`. Joining every segment's text gives back `text` unchanged.
    """
    ordered = sorted(marks, key=lambda m: (m.start, m.end))
    return [
        Line(number=start_line + i, offset=offset, segments=_line_segments(line, offset, ordered))
        for i, (offset, line) in enumerate(split_lines(text))
    ]
