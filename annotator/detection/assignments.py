"""Find `name <separator> value` pairs whose name mentions a credential, user or id.

One scanner serves PASSWORD, KEY, USERNAME and ID: it anchors on a keyword in the
lower-cased text (cheap), widens to the whole identifier, then parses a separator and
a literal value forward. Covers assignments, dict entries, kwargs, YAML/INI/.env lines,
XML elements, setter calls and `("name", "value")` pairs.
"""

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from annotator.detection.context import Scan
from annotator.detection.triggers import KEYWORDS

_KEYWORDS = frozenset(KEYWORDS)
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$@")
# The rest of an identifier run from a keyword (group 1), then a cheap test that a
# separator may follow it: how `_SEPARATOR` can start after the run's optional quote or
# bracket (a "-" only as "->"). No match: no separator can follow this identifier.
_AFTER_KEYWORD = re.compile(r"""([A-Za-z0-9_.\-$@]*+)["'`]?\]?\s*(?::|=|\(|,|->|>)""")
_SEPARATOR = re.compile(
    r"""["'`]?\]?(?:\s*:\s*[A-Za-z][\w\[\]|, .]{0,30}?(?==))?"""  # optional type annotation
    r"""[ \t]*(?P<sep>:=|=>|===|==|=|:|->|\(|,|>)[ \t]*"""
)
_QUOTED = re.compile(
    r"""(?P<prefix>[rbuRBU]?)(?P<q>"|'|`)(?P<value>(?:[^"'`\\\n]|\\.|(?!(?P=q))["'`]){0,512}?)(?P=q)"""
)
_UNQUOTED = re.compile(r"""(?P<value>[^\s"'`,;#&)<>\]}]{1,256})""")
_LINE_START = re.compile(
    r"""^[ \t]*(?:export[ \t]+|set[ \t]+|-[ \t]+|[#;]+[ \t]*|//[ \t]*)*$""", re.MULTILINE
)
# Assignment-shaped text on lines this long is minified code or data, where names
# and values are too mixed up to pair reliably.
MINIFIED_LINE = 1_000
_REST_BLANK = re.compile(r"""[ \t\r"']*\Z""")
_REST_COMMENT = re.compile(r"""[ \t"']*#""")
_CALL_NAMES = frozenset({"password", "passwd", "token", "apikey", "api_key", "secret", "username"})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


class Assignment(NamedTuple):
    # A named tuple, not a frozen dataclass: tens of thousands are built per MB of code,
    # and a frozen dataclass sets each field through object.__setattr__.
    name: str
    words: tuple[str, ...]  # the name split into lower-case words: api_key -> (api, key)
    name_start: int
    value: str
    start: int  # value offsets, quotes excluded
    end: int
    quoted: bool
    separator: str
    config_line: bool  # `name = value` alone on its line (YAML, INI, .env, properties)
    next_char: str  # the character after the value (after its closing quote if quoted)
    # whitespace or a type annotation before the separator (`A = 1`, `A: Final = 1`),
    # as code writes it, not a .env file (`A=1`)
    spaced: bool = False


@lru_cache(maxsize=4096)  # the same few names (`name`, `key`, `token`) come back all the time
def name_words(name: str) -> tuple[str, ...]:
    return tuple(map(str.lower, _WORDS.findall(name)))


def find_assignments(
    scan: Scan, wanted: Callable[[tuple[str, ...]], bool] | None = None
) -> list[Assignment]:
    """Parse every identifier that contains a keyword, once, in text order.

    `wanted`, if given, tells from a name's words whether any rule could take its value:
    the others are not parsed (about half of them in real code: `key`, `filename`).
    """
    text, out = scan.text, []
    positions = scan.hits.positions
    hits: list[int] = []
    for literal, at in positions.items():
        if literal in _KEYWORDS:
            hits += at
    hits.sort()  # identifiers never overlap, so keyword order is identifier order
    run_end = -1
    for pos in hits:
        # A keyword up to the end of the identifier run just read lies in that run: the
        # run of identifier characters from it ends at the same place (no further).
        # (A run without a separator is not remembered: its other keywords fail again.)
        if pos <= run_end:
            continue
        after = _AFTER_KEYWORD.match(text, pos)
        if after is None:
            continue
        run_end = after.end(1)
        follows = text[after.end() - 1]  # the separator's last character
        start = pos
        while start > 0 and text[start - 1] in _IDENT_CHARS:
            start -= 1
        end = run_end
        while end > start and text[end - 1] in ".-":
            end -= 1
        # After "(" or "," the separator can only be that character (or none): most
        # keyword hits are calls and arguments, turned down here without a parse.
        if follows in "(," and not _separator_fits(text, start, end, follows):
            continue
        found = _parse_value(scan, start, end, wanted)
        if found is not None:
            out.append(found)
    return out


def _parse_value(
    scan: Scan, name_start: int, name_end: int, wanted: Callable[[tuple[str, ...]], bool] | None
) -> Assignment | None:
    text = scan.text
    name = text[name_start:name_end].lstrip("$@-").rsplit("->", 1)[-1]
    if not name:
        return None
    words = name_words(name)
    if wanted is not None and not wanted(words):
        return None
    sep = _SEPARATOR.match(text, name_end)
    if sep is None or not _separator_fits(text, name_start, name_end, sep.group("sep")):
        return None
    pos = sep.end()
    quoted = _QUOTED.match(text, pos)
    if quoted is not None:
        value, start, end = quoted.group("value"), quoted.start("value"), quoted.end("value")
        if quoted.group("prefix") in "fF" and "{" in value and quoted.group("prefix"):
            return None
    else:
        unquoted = _UNQUOTED.match(text, pos)
        if unquoted is None or sep.group("sep") in "(,":
            return None
        value, start, end = unquoted.group("value"), unquoted.start(), unquoted.end()
    line_start, line_end = scan.line_at(name_start)
    if line_end < end:
        line_end = scan.line_at(end)[1]  # a type annotation may run onto the next line
    if line_end - line_start > MINIFIED_LINE or not _shape_fits(text, name_start, sep, end):
        return None
    # Matched in place rather than on a slice of the rest of the line, which would
    # copy a minified file's whole line for every assignment on it.
    config_line = bool(_LINE_START.match(text, line_start, name_start)) and bool(
        _REST_BLANK.match(text, end, line_end) or _REST_COMMENT.match(text, end, line_end)
    )
    return Assignment(
        name=name,
        words=words,
        name_start=name_start,
        value=value,
        start=start,
        end=end,
        quoted=quoted is not None,
        separator=sep.group("sep"),
        config_line=config_line,
        next_char=text[end + 1 if quoted is not None else end : end + 2][:1] or "\n",
        spaced=sep.group().startswith((" ", "\t", ":")),
    )


def _shape_fits(text: str, name_start: int, sep: re.Match, value_end: int) -> bool:
    """Reject shapes that only look like `name = value`.

    `AWS::S3::Bucket` and `Foo::password` are scoped type names; `("name", "value")`
    must be a whole pair in brackets, not two items of a longer list or a dict value
    (`"role": "user", "content": ...`); `<name>value` must close its element; and in
    `user, password = "wile", "coyote"` the first value belongs to the first name.
    """
    if text[max(0, name_start - 2) : name_start] == "::":
        return False
    kind = sep.group("sep")
    after = text[value_end + 1 : value_end + 80].lstrip(" \t")  # past a closing quote
    if kind == ",":
        before = text[max(0, name_start - 80) : name_start - 1].rstrip(" \t")
        return before.endswith(("(", "[")) and after.startswith((")", "]"))
    if kind == ">":
        return text.startswith("<", value_end)
    if kind == "=" and sep.group().startswith((" ", "\t")):
        before = text[max(0, name_start - 80) : name_start].rstrip(" \t")
        return not before.endswith(",")  # `user, password = ...` unpacks a tuple
    return True


def _separator_fits(text: str, name_start: int, name_end: int, sep: str) -> bool:
    """`(` only after setters, `,` only after a quoted name, `>` only inside `<name>`."""
    before = text[name_start - 1] if name_start else ""
    if sep == "(":
        method = text[name_start:name_end].rsplit(".", 1)[-1].lower()
        return method.startswith(("set", "with")) or method in _CALL_NAMES
    if sep == ",":
        return before in "\"'"
    if sep == ">":
        return before == "<"
    return True
