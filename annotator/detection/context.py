"""The text being scanned, and where a value sits in it: license, placeholder or real.

`Scan` is built once per text and shared by every rule, so the lower-cased copy,
the leading header and the line lookups are computed once.
"""

import re
from functools import cached_property

from annotator.detection.types import LICENSE, PLACEHOLDER, REAL

_HEADER_SCAN_CHARS = 20_000
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
_AUTHOR_LIST_OPEN = re.compile(
    r"(?i)[\"']?(?:authors|maintainers|contributors|developers)[\"']?\s*[:=]\s*\[[^\]]*\Z"
)

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

    @cached_property
    def header_end(self) -> int:
        return license_header_end(self.text)

    def line_at(self, pos: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        return start, len(self.text) if end == -1 else end

    def line_text(self, pos: int) -> str:
        start, end = self.line_at(pos)
        return self.text[start:end]

    def in_license(self, pos: int) -> bool:
        """True inside the leading copyright/license comment or on an attribution line."""
        if pos < self.header_end:
            return True
        if _ATTRIBUTION_LINE.search(self.line_text(pos)):
            return True
        window = self.text[max(0, pos - 400) : pos]
        return bool(_AUTHOR_LIST_OPEN.search(window))

    def context_for(self, pos: int, placeholder: bool) -> str:
        if self.in_license(pos):
            return LICENSE
        return PLACEHOLDER if placeholder else REAL


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


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
