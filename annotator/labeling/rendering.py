"""Cut a snippet, its syntax tokens and its marked spans into lines of pieces.

Pure: no ORM, no HTML. The page escapes every piece, and the DOM text of the code
container must equal the snippet text exactly (the browser turns a selection into
offsets by counting characters), so each line keeps its trailing "\\n", and token and
span boundaries only *split* the text: nothing is added, dropped or reordered.

Syntax colours come from Pygments' `get_tokens_unprocessed`, which reports offsets
into the raw text (no tab expansion, no newline normalisation). A lexer whose tokens
do not cover the text exactly is ignored: plain text beats shifted offsets.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from posixpath import basename

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Keyword, Name, Number, Operator, String
from pygments.util import ClassNotFound

SPAN = "span"
SUGGESTION = "suggestion"


@dataclass(frozen=True)
class Mark:
    """A span to highlight: [start, end) in snippet offsets; `index` names it in forms.

    `kind` SUGGESTION: the detector's proposal, not the annotator's; `index` is then the
    Suggestion's pk.
    """

    start: int
    end: int
    category: str
    context: str
    index: int
    kind: str = SPAN


@dataclass(frozen=True)
class Piece:
    """A run of text in one syntax class ("" for none, "bidi" for a bidi control)."""

    text: str
    cls: str = ""


@dataclass(frozen=True)
class Segment:
    pieces: tuple[Piece, ...]
    mark: Mark | None = None
    opens_mark: bool = False  # the first piece of a span: it takes the keyboard focus
    closes_mark: bool = False  # the last piece of a span: the category chip follows it

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


@dataclass(frozen=True)
class Line:
    number: int  # line number in the source file (1-based)
    offset: int  # character offset of the line's first character in the snippet
    segments: tuple[Segment, ...]


# --- syntax classes ---------------------------------------------------------------

# A few classes are enough to read code; more would fight the span highlights.
_CLASSES = (
    (Comment.Preproc, "pp"),
    (Comment, "c"),
    (String, "s"),
    (Number, "n"),
    (Keyword, "k"),
    (Name.Builtin, "b"),
    (Name.Function, "f"),
    (Name.Class, "f"),
    (Name.Decorator, "pp"),
    (Name.Tag, "k"),
    (Name.Attribute, "f"),
    (Operator.Word, "k"),
)
# Bidi controls reorder what follows them on screen ("Trojan Source"); each one is its
# own piece so the page can isolate it and show it as a visible marker.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@lru_cache(maxsize=1024)
def token_class(token_type) -> str:
    """The CSS class of a Pygments token type (cached: a page asks a few hundred times)."""
    for parent, cls in _CLASSES:
        if token_type in parent:
            return cls
    return ""


@lru_cache(maxsize=512)
def _lexer_for(filename: str, language: str) -> Lexer | None:
    options = {"stripnl": False, "stripall": False, "ensurenl": False, "tabsize": 0}
    try:
        return get_lexer_for_filename(filename, **options)
    except ClassNotFound:
        pass
    try:
        return get_lexer_by_name(language.lower(), **options) if language else None
    except ClassNotFound:
        return None


def lexer_for(path: str, language: str = "") -> Lexer | None:
    """The Pygments lexer for a file, by its name first, then by its language; or None."""
    name = basename(path or "")
    # Cache on the extension, not the full name: lookups by file name scan every lexer.
    key = name if "." not in name else "x" + name[name.rfind(".") :].lower()
    return _lexer_for(key, language or "")


def syntax_runs(text: str, lexer: Lexer | None) -> list[tuple[int, int, str]]:
    """(start, end, class) runs covering `text` exactly, adjacent equal classes merged."""
    runs: list[tuple[int, int, str]] = []
    if lexer is not None:
        cursor = 0
        for index, token_type, value in lexer.get_tokens_unprocessed(text):
            if index != cursor or text[index : index + len(value)] != value:
                return [(0, len(text), "")] if text else []  # the lexer lost its place
            cursor = index + len(value)
            if value:
                _add_run(runs, index, cursor, token_class(token_type))
        if cursor != len(text):
            return [(0, len(text), "")] if text else []
    elif text:
        runs.append((0, len(text), ""))
    return _split_bidi(text, runs)


def _add_run(runs: list[tuple[int, int, str]], start: int, end: int, cls: str) -> None:
    if runs and runs[-1][2] == cls and runs[-1][1] == start:
        runs[-1] = (runs[-1][0], end, cls)
    else:
        runs.append((start, end, cls))


def _split_bidi(text: str, runs: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    if not any(ch in BIDI_CONTROLS for ch in text):
        return runs
    result: list[tuple[int, int, str]] = []
    for start, end, cls in runs:
        cursor = start
        for at in range(start, end):
            if text[at] in BIDI_CONTROLS:
                if at > cursor:
                    result.append((cursor, at, cls))
                result.append((at, at + 1, "bidi"))
                cursor = at + 1
        if cursor < end:
            result.append((cursor, end, cls))
    return result


# --- lines and segments -----------------------------------------------------------


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


def _pieces(text: str, runs: Sequence[tuple[int, int, str]], lo: int, hi: int) -> list[Piece]:
    """The syntax pieces of text[lo:hi]; `runs` are those that may touch it, in order."""
    pieces = []
    for start, end, cls in runs:
        a, b = max(start, lo), min(end, hi)
        if a < b:
            pieces.append(Piece(text[a:b], cls))
    return pieces or [Piece(text[lo:hi])]


def _line_segments(
    text: str, lo: int, hi: int, marks: Sequence[Mark], runs: Sequence[tuple[int, int, str]]
) -> tuple[Segment, ...]:
    cuts = [lo]
    owners: list[Mark | None] = []
    for mark in marks:
        if mark.end <= lo or mark.start >= hi:
            continue
        begin, end = max(mark.start, lo), min(mark.end, hi)
        if begin > cuts[-1]:
            cuts.append(begin)
            owners.append(None)
        cuts.append(end)
        owners.append(mark)
    if cuts[-1] < hi or not owners:
        cuts.append(hi)
        owners.append(None)
    segments = []
    for (a, b), mark in zip(pairwise(cuts), owners, strict=True):
        segments.append(
            Segment(
                tuple(_pieces(text, runs, a, b)),
                mark,
                opens_mark=mark is not None and a == mark.start,
                closes_mark=mark is not None and b == mark.end,
            )
        )
    return tuple(segments)


def render_lines(
    text: str, marks: Sequence[Mark], *, start_line: int = 1, lexer: Lexer | None = None
) -> list[Line]:
    """Lines of plain and marked segments, each made of syntax pieces.

    Marks must not overlap (spans_validate ensures it). A mark that crosses a line break
    is cut into one segment per line; only the first piece `opens_mark` and only the
    last `closes_mark`. Joining every piece's text gives back `text` unchanged.
    """
    ordered = sorted(marks, key=lambda m: (m.start, m.end))
    runs = syntax_runs(text, lexer)
    lines = []
    first = 0  # index of the first run that may still touch the current line
    for i, (offset, line) in enumerate(split_lines(text)):
        hi = offset + len(line)
        while first < len(runs) and runs[first][1] <= offset:
            first += 1
        last = first
        while last < len(runs) and runs[last][0] < hi:
            last += 1
        segments = _line_segments(text, offset, hi, ordered, runs[first:last])
        lines.append(Line(number=start_line + i, offset=offset, segments=segments))
    return lines
