"""Find `name <separator> value` pairs whose name mentions a credential, user or id.

One scanner serves PASSWORD, KEY, USERNAME and ID: it anchors on a keyword in the
lower-cased text (cheap), widens to the whole identifier, then parses a separator and
a literal value forward. Covers assignments, dict entries, kwargs, YAML/INI/.env lines,
XML elements, setter calls and `("name", "value")` pairs.
"""

import re
from dataclasses import dataclass

from annotator.detection.context import Scan

_KEYWORDS = re.compile(
    r"pass|pwd|secret|token|key|auth|credential|bearer|user|login|account|acct|client|"
    r"consumer|phone|mobile|fax|tel|cell|owner|author|name|email|uid"
)
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$@")
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
_CALL_NAMES = frozenset({"password", "passwd", "token", "apikey", "api_key", "secret", "username"})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True, slots=True)
class Assignment:
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


def name_words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORDS.findall(name))


def find_assignments(scan: Scan) -> list[Assignment]:
    out: list[Assignment] = []
    seen: set[int] = set()
    text = scan.text
    for m in _KEYWORDS.finditer(scan.lower):
        start, end = _widen(text, m.start(), m.end())
        if end in seen:
            continue
        seen.add(end)
        found = _parse_value(scan, start, end)
        if found is not None:
            out.append(found)
    return out


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1] in _IDENT_CHARS:
        start -= 1
    while end < len(text) and text[end] in _IDENT_CHARS:
        end += 1
    while end > start and text[end - 1] in ".-":
        end -= 1
    return start, end


def _parse_value(scan: Scan, name_start: int, name_end: int) -> Assignment | None:
    text = scan.text
    name = text[name_start:name_end].lstrip("$@-").rsplit("->", 1)[-1]
    sep = _SEPARATOR.match(text, name_end)
    if not name or sep is None or not _separator_fits(text, name_start, name_end, sep.group("sep")):
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
    line_start = text.rfind("\n", 0, name_start) + 1
    line_end = text.find("\n", end)
    rest = text[end : len(text) if line_end == -1 else line_end]
    config_line = bool(_LINE_START.match(text, line_start, name_start)) and (
        not rest.strip(" \t\r\"'") or rest.lstrip(" \t\"'").startswith("#")
    )
    return Assignment(
        name=name,
        words=name_words(name),
        name_start=name_start,
        value=value,
        start=start,
        end=end,
        quoted=quoted is not None,
        separator=sep.group("sep"),
        config_line=config_line,
        next_char=text[end + 1 if quoted is not None else end : end + 2][:1] or "\n",
    )


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
