"""The text being scanned, and where a value sits in it: license, placeholder or real.

`Scan` is built once per text and shared by every rule, so the lower-cased copy,
the leading header and the line lookups are computed once.
"""

import re
from bisect import bisect_left

from annotator.detection.triggers import Hits, matches_at
from annotator.detection.types import LICENSE, PLACEHOLDER, REAL

URL_USERINFO = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://(?P<user>[^\s:/@'\"`<>]{1,64}):"
    r"(?P<password>[^\s@/'\"`<>]{1,128})@(?P<host>[\w.\-]+|\[[0-9A-Fa-f:]+\])"
)
_HEADER_SCAN_CHARS = 20_000
_NEWLINE = re.compile("\n")
_SHORT_LINE = 2_000
# The characters beyond ASCII that IGNORECASE matches to an ASCII letter (i, s, k).
_ASCII_FOLDS = re.compile("[\u0130\u0131\u017f\u212a]")
_LINE_COMMENT = re.compile(r"[ \t]*(?:#|//|--|;|%|\*|REM\b)")
_BLOCK_OPEN = re.compile(r"[ \t]*(/\*|<!--|\"\"\"|'''|=begin|\{-|\(\*)")
_BLOCK_CLOSE = {"/*": "*/", "<!--": "-->", '"""': '"""', "'''": "'''", "=begin": "=end"}
_BLOCK_CLOSE |= {"{-": "-}", "(*": "*)"}
_LICENSE_WORDS = re.compile(
    r"(?i)copyright|licen[cs]ed?\b|\(c\)\s*\d|©|spdx-|all rights reserved|@author|"
    r"\bauthors?\s*:|permission is hereby granted|warranty"
)
_ATTRIBUTION_LINE = re.compile(
    r"(?i)copyright|\(c\)\s*\d|©|@author|@copyright|@maintainer|__(?:author|email|maintainer|"
    r"credits|copyright|contact)__|\b(?:authors?|author_email|author_name|maintainers?|"
    r"maintainer_email|contributors?)\b[\"']?\s*[:=]|<author>|<developer|written by|"
    r"contributed by|created by|maintained by|signed-off-by|co-authored-by|moduleauthor|"
    r"codeauthor|\$author:|spdx-filecopyrighttext|^\s*--\s.*<[^>\s]+@|"
    r"^\d{4}-\d\d-\d\d\s+\S.*<[^>\s]+@"
)


_FIELD_END = r"\b[\"']?\s*[:=]"  # after a field name (for the class below)


class _FoldedAttributionLine:
    """`_ATTRIBUTION_LINE.search` for a lower-cased ASCII line (tested): the two `^`
    branches matched at the start, the others led by their first characters with each
    word's `\\b` looked behind after its first letter, so the engine skips to those in
    C instead of trying two dozen branches at every position of the line."""

    _AT_START = re.compile(r"\s*--\s.*<[^>\s]+@|\d{4}-\d\d-\d\d\s+\S.*<[^>\s]+@")
    _LED = re.compile(
        "[($<@_acmsw\u00a9](?:"
        r"(?<=c)(?:opyright|ontributed by|reated by|o-authored-by|odeauthor"
        rf"|(?<!\w.)ontributors?{_FIELD_END})"
        r"|(?<=\()c\)\s*\d"
        "|(?<=\u00a9)"
        r"|(?<=@)(?:author|copyright|maintainer)"
        r"|(?<=_)_(?:author|email|maintainer|credits|copyright|contact)__"
        rf"|(?<=a)(?<!\w.)(?:uthors?|uthor_email|uthor_name){_FIELD_END}"
        rf"|(?<=m)(?:aintained by|oduleauthor|(?<!\w.)(?:aintainers?|aintainer_email){_FIELD_END})"
        r"|(?<=<)(?:author>|developer)"
        r"|(?<=w)ritten by"
        r"|(?<=s)(?:igned-off-by|pdx-filecopyrighttext)"
        r"|(?<=\$)author:"
        ")"
    )

    def search(self, line: str) -> bool:
        return bool(self._AT_START.match(line) or self._LED.search(line))


_ATTRIBUTION_LINE_FOLDED = _FoldedAttributionLine()
_AUTHOR_LIST_OPEN = re.compile(
    r"(?i)[\"']?(?:authors|maintainers|contributors|developers)[\"']?\s*[:=]\s*\[[^\]]*\Z"
)

_AUTHOR_LIST_WORDS = ("author", "maintainer", "contributors", "developers")
PLACEHOLDER_NAMES = frozenset(
    {
        "john doe", "jane doe", "john roe", "jane roe", "richard roe", "john q. public",
        "john q public", "max mustermann", "erika mustermann", "joe bloggs", "fred bloggs",
        "john appleseed", "mario rossi", "foo bar", "alice", "bob", "carol", "charlie",
        "dave", "eve", "mallory", "trent", "john smith", "jane smith", "joe user",
    }
)  # fmt: skip
PLACEHOLDER_USERNAMES = frozenset(
    {
        "alice", "bob", "carol", "charlie", "dave", "eve", "mallory", "jdoe", "johndoe",
        "janedoe", "john_doe", "jane_doe", "john.doe", "jane.doe", "jsmith", "johnsmith",
        "john", "jane", "foo", "bar", "foobar", "testuser", "test_user", "user1", "user2",
        "exampleuser", "example", "demo_user", "someuser", "myuser", "your_username",
        "yourusername", "username1", "octocat",
    }
)  # fmt: skip
_PLACEHOLDER_DOMAIN = re.compile(
    r"(?i)(?:^|\.)(?:example|test|invalid|localhost|local\.?host)$|"
    r"(?:^|\.)(?:example|domain|yourdomain|mydomain|yourcompany|mycompany|company|"
    r"email|test|foo|bar|foobar|sample|somewhere|someplace|acme|host|server|site|"
    r"website|yoursite|mysite|dummy|fake|placeholder)\.(?:com|org|net|edu|io|co|tld|xyz)$|"
    r"^localhost$|^example\.[a-z.]{2,6}$"
)


def placeholder_domain(domain: str) -> bool:
    return bool(_PLACEHOLDER_DOMAIN.search(domain))


class Scan:
    """One text under detection, with lazily computed helpers shared by the rules."""

    def __init__(self, text: str) -> None:
        self.text = text
        lowered = text.lower()
        # str.lower() can change the length of some non-ASCII text; offsets must match.
        self.lower = lowered if len(lowered) == len(text) else _ascii_lower(text)
        self.hits = Hits(self.lower)
        self._found = self.hits.positions  # read directly: rules ask dozens of times
        self._line_cache: dict[tuple[re.Pattern, int], bool] = {}
        # Computed on first use (not functools.cached_property, which takes a lock
        # on every read before Python 3.12).
        self._url_userinfo: list[re.Match] | None = None
        self._header_end: int | None = None
        self._newline_offsets: list[int] | None = None
        self._at_lines: list[tuple[int, int]] | None = None

    def has(self, literal: str) -> bool:
        """`literal in self.lower`, answered from the trigger pass (see triggers.py);
        `literal` is one of its LITERALS (PRESENCE included)."""
        return literal in self._found

    def has_cased(self, exact: str) -> bool:
        """`exact in self.text`, for an `exact` whose lower-cased form is a trigger literal."""
        positions = self._found.get(exact.lower())
        if positions is None:
            return False  # the usual answer, without a generator
        text = self.text
        return any(text.startswith(exact, pos) for pos in positions)

    def positions(self, literal: str) -> list[int]:
        """Where `literal` (a trigger literal, not a PRESENCE one) starts in self.lower,
        in order."""
        return self._found.get(literal, [])

    def cased_positions(self, exacts: tuple[str, ...]) -> list[int]:
        """Where any of `exacts` starts in self.text (lower-cased forms in LITERALS)."""
        return self.hits.cased_positions(self.text, exacts)

    def has_any(self, literals: tuple[str, ...]) -> bool:
        # Each literal looked up in the dict (hashes of str are cached), no set built.
        return not self._found.keys().isdisjoint(literals)

    def has_any_cased(self, exacts: tuple[str, ...]) -> bool:
        return self.hits.has_any_cased(self.text, exacts)

    @property
    def url_userinfo(self) -> list[re.Match]:
        """Every `scheme://user:password@host` (URL_USERINFO), for the password and the
        username rules. A match's scheme of 2-21 characters ends at a "://" with an "@"
        after it, so only those offsets are tried (none after the text's last "@")."""
        if self._url_userinfo is None:
            last_at = self.text.rfind("@")
            starts = (p - k for p in self.positions("://") if p < last_at for k in range(2, 22))
            self._url_userinfo = list(matches_at(URL_USERINFO, self.text, starts))
        return self._url_userinfo

    @property
    def at_lines(self) -> list[tuple[int, int]]:
        """The lines that hold an "@", in order: addresses and handles are there."""
        if self._at_lines is None:
            text, ats = self.text, []
            at = text.find("@")
            while at != -1:
                ats.append(at)
                at = text.find("@", at + 1)
            self._at_lines = self.lines_at(ats)
        return self._at_lines

    @property
    def header_end(self) -> int:
        if self._header_end is None:
            self._header_end = license_header_end(self.text)
        return self._header_end

    @property
    def _newlines(self) -> list[int]:
        if self._newline_offsets is None:
            self._newline_offsets = [m.start() for m in _NEWLINE.finditer(self.text)]
        return self._newline_offsets

    def line_at(self, pos: int) -> tuple[int, int]:
        """(start, end) of the line holding `pos`, newline excluded.

        `rfind`/`find` within a bounded window answer for ordinary lines; past that, a
        binary search over the newline offsets, since unbounded searches from every
        candidate would be quadratic on a minified file's single huge line.
        """
        text = self.text
        low, high = max(0, pos - _SHORT_LINE), pos + _SHORT_LINE
        start = text.rfind("\n", low, pos) + 1
        end = text.find("\n", pos, high)
        if (start or not low) and (end != -1 or high >= len(text)):
            return start, len(text) if end == -1 else end
        newlines = self._newlines
        i = bisect_left(newlines, pos)
        start = newlines[i - 1] + 1 if i else 0
        return start, newlines[i] if i < len(newlines) else len(self.text)

    def lines_at(self, positions: list[int]) -> list[tuple[int, int]]:
        """`sorted({self.line_at(p) for p in positions})`, one lookup per line."""
        lines: list[tuple[int, int]] = []
        end = -1
        for pos in sorted(positions):
            if pos > end:  # else on the last line found (`end` is its newline)
                lines.append(line := self.line_at(pos))
                end = line[1]
        return lines

    def line_text(self, pos: int) -> str:
        start, end = self.line_at(pos)
        return self.text[start:end]

    def line_matches(self, pattern: re.Pattern, pos: int, folded=None) -> bool:
        """`pattern.search(line)` for the line holding `pos`, computed once per line.

        `folded`, for a `pattern` that reads its ASCII letters in either case (with
        IGNORECASE, or spelled out as it reads them: `[pP]`), is that pattern in lower
        case: it searches the lower-cased line, with the same answer at a fraction of
        the cost. Lower-casing keeps every character a word character, a blank or a
        digit as it was, and only four characters beyond ASCII match an ASCII letter
        under IGNORECASE (dotted and dotless i, long s, Kelvin sign; both checked over
        all of Unicode in the tests), so a line holding one of those four is searched
        with the pattern as written.
        """
        start, end = self.line_at(pos)
        key = (pattern, start)
        found = self._line_cache.get(key)
        if found is None:
            line = self.text[start:end]
            if folded is not None and (line.isascii() or not _ASCII_FOLDS.search(line)):
                # A slice, not pos/endpos: `^` matches at a slice's start only.
                found = bool(folded.search(self.lower[start:end]))
            else:
                found = bool(pattern.search(line))
            self._line_cache[key] = found
        return found

    def in_license(self, pos: int) -> bool:
        """True inside the leading copyright/license comment or on an attribution line."""
        if pos < self.header_end:
            return True
        if self.line_matches(_ATTRIBUTION_LINE, pos, _ATTRIBUTION_LINE_FOLDED):
            return True
        if not self.has_any(_AUTHOR_LIST_WORDS):
            return False  # the look-back below needs one of these words
        window = self.text[max(0, pos - 400) : pos]
        return bool(_AUTHOR_LIST_OPEN.search(window))

    def context_for(self, pos: int, placeholder: bool) -> str:
        if self.in_license(pos):
            return LICENSE
        return PLACEHOLDER if placeholder else REAL


_NAME_PUNCTUATION = frozenset(" \t'’-.\"")  # noqa: RUF001  (typographic apostrophe)


def run_start(text: str, end: int, low: int, allowed: frozenset[str] | None) -> int:
    """Where the run of `allowed` characters ending at `end` starts (not before `low`).

    `allowed=None` means letters plus the punctuation of names. A regex anchored at
    `end` can only match inside that run, so searching from its start finds the same
    leftmost match as searching from `low`, without trying every earlier position.
    """
    pos = end
    while pos > low:
        ch = text[pos - 1]
        if not (ch in allowed if allowed is not None else ch.isalnum() or ch in _NAME_PUNCTUATION):
            break
        pos -= 1
    return pos


def _ascii_lower(text: str) -> str:
    """`text` with its ASCII letters lower-cased and nothing else changed. In UTF-8 every
    byte of a non-ASCII character is over 127, which `bytes.lower` leaves alone."""
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def license_header_end(text: str) -> int:
    """Offset just past the leading comment block if it is a copyright/license notice, else 0.

    Snippets are cut out of files, so a text may start inside a block comment whose
    opener was cut off: a `*/` before any `/*` closes such a block.
    """
    head = text[:_HEADER_SCAN_CHARS]
    end = _comment_block_end(head)
    if end and _LICENSE_WORDS.search(head, 0, end):
        return end
    return 0


def _comment_block_end(head: str) -> int:
    closer = _orphan_block_closer(head)
    pos, last_end = 0, 0
    for line in head.splitlines(keepends=True):
        stripped = line.strip()
        line_end = pos + len(line)
        if closer:
            last_end = line_end
            if closer in stripped:
                closer = ""
        elif not stripped or (pos == 0 and stripped.startswith("#!")):
            pass
        elif match := _BLOCK_OPEN.match(line):
            opener = match.group(1)
            rest = stripped[len(opener) :]
            closer = "" if _BLOCK_CLOSE[opener] in rest else _BLOCK_CLOSE[opener]
            last_end = line_end
        elif _LINE_COMMENT.match(line):
            last_end = line_end
        else:
            break
        pos = line_end
    return last_end


def _orphan_block_closer(head: str) -> str:
    close = head.find("*/", 0, 6000)
    if close == -1:
        return ""
    opener = head.find("/*", 0, close)
    return "*/" if opener == -1 else ""
