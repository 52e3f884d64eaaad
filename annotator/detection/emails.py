"""EMAIL: plain and obfuscated addresses, with license/placeholder/real context."""

import re

from annotator.detection.context import Scan, placeholder_domain, run_start
from annotator.detection.triggers import AT_MARK, matches_at
from annotator.detection.types import EMAIL, Candidate, DetectedSpan

PRIORITY = 70
# The search anchors on "@" (cheap) and then reads the local part backwards.
_AT_SIGN = re.compile(
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}|localhost)"
    r"(?![\w\-@]|\.[A-Za-z0-9])"
)
_LOCAL = re.compile(r"[A-Za-z0-9_%+\-]{1,64}(?:\.[A-Za-z0-9_%+\-]{1,64}){0,8}\Z")
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_%+-.")
_LEFT_BOUNDARY = frozenset("./=@%+-") | frozenset("abcdefghijklmnopqrstuvwxyz")
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_OBFUSCATED = re.compile(
    r"(?<![\w.])([A-Za-z0-9_+\-]{1,40}(?:\.[A-Za-z0-9_+\-]{1,40}){0,3})"
    rf"{_AT}((?:[A-Za-z0-9\-]{{1,40}}(?:{_DOT}|\.)){{1,4}}"
    r"(?:com|org|net|edu|gov|io|de|fr|uk|nl|ch|it|es|ru|jp|cn|br|ca|au|se|no|fi|pl|be|at|"
    r"dk|cz|info|biz|me|co|us|eu|dev|ai|app))\b",
    re.IGNORECASE,
)
_SCP_PATH = re.compile(r":[\w~/.\-]")
_BRACKETED_AT = re.compile(r"(?i)[\[({<]\s*at\s*[\])}>]")
_OBFUSCATION_MARK = re.compile(r"(?i)[\[({<]\s*at\s*[\])}>]|\sat\s")
# Every "at" an _AT can hold, overlapping ones included, and the characters of a local
# part as `(?i)` reads them (four non-ASCII letters fold to its ASCII ones).
_AT_MARKS = re.compile(r"(?i)(?=[\[({<]\s*at\s*[\])}>]|\sat\s)")
_LOCAL_PART_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.\u0130\u0131\u017f\u212a"
)
_LOCAL_PART_MAX = 40 * 4 + 3
_FILE_SUFFIXES = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "bmp",
        "ico",
        "js",
        "mjs",
        "ts",
        "tsx",
        "jsx",
        "css",
        "scss",
        "py",
        "rb",
        "go",
        "rs",
        "java",
        "json",
        "yaml",
        "yml",
        "xml",
        "html",
        "htm",
        "md",
        "txt",
        "pdf",
        "zip",
        "gz",
        "tar",
        "so",
        "dll",
        "exe",
        "lock",
        "map",
        "php",
        "c",
        "h",
        "cpp",
    ]
)
_ALGORITHM_DOMAINS = frozenset({"openssh.com", "libssh.org", "ssh.com", "putty.org"})


def find(scan: Scan) -> list[Candidate]:
    found: list[Candidate] = []
    if scan.has("@"):
        found.extend(_plain(scan))
    if scan.has("dot") and _has_obfuscation_mark(scan):
        found.extend(_obfuscated(scan))
    return found


def _has_obfuscation_mark(scan: Scan) -> bool:
    """`_OBFUSCATION_MARK.search(scan.lower)`: in ASCII text the trigger pass has
    answered it; beyond ASCII, Python's `\\s` also reads Unicode blanks."""
    if scan.text.isascii():
        return scan.has(AT_MARK)
    return "at" in scan.lower and bool(_OBFUSCATION_MARK.search(scan.lower))


def _plain(scan: Scan) -> list[Candidate]:
    text, out = scan.text, []
    for m in _AT_SIGN.finditer(text):
        at, domain = m.start(), m.group(1)
        # A match lies inside the run of local-part characters before "@": searching
        # from the run's start gives the same leftmost match as searching the window.
        local_match = _LOCAL.search(text, run_start(text, at, max(0, at - 200), _LOCAL_CHARS), at)
        if local_match is None:
            continue
        start = local_match.start()
        before = text[start - 1] if start else " "
        if before in _LEFT_BOUNDARY or before.isalnum() or before == "_":
            continue  # strict delimiter: the local part may not continue a word or path
        if _not_an_email(text, m.end(), local_match.group(), domain):
            continue
        out.append(_candidate(scan, start, m.end(), local_match.group(), domain, 0.95))
    return out


def _not_an_email(text: str, end: int, local: str, domain: str) -> bool:
    lower_domain = domain.lower()
    if lower_domain.rsplit(".", 1)[-1] in _FILE_SUFFIXES:
        return True  # icon@2x.png
    if lower_domain in _ALGORITHM_DOMAINS and "-" in local:
        return True  # chacha20-poly1305@openssh.com
    # git@github.com:org/repo and other scp-style remotes.
    return bool(_SCP_PATH.match(text, end))


def _obfuscated(scan: Scan) -> list[Candidate]:
    out = []
    for m in matches_at(_OBFUSCATED, scan.text, _obfuscated_starts(scan)):
        domain = re.sub(rf"(?i){_DOT}", ".", m.group(2))
        plain_at = not _BRACKETED_AT.search(m.group(0))
        if m.group(0).count(" ") > 6 or (plain_at and domain == m.group(2)):
            continue  # "hosted at github.com" is prose, not an obfuscated address
        out.append(_candidate(scan, m.start(), m.end(), m.group(1), domain, 0.7))
    return out


def _obfuscated_starts(scan: Scan) -> list[int]:
    """Every offset where an _OBFUSCATED match can start. Its local part holds no
    whitespace or bracket, so it ends where the whitespace before one of its "at" marks
    begins, and runs back over local-part characters; the look-behind lets it start only
    at that run's start or after a "+" or "-" in it."""
    text, starts = scan.text, []
    for mark in _AT_MARKS.finditer(scan.lower):
        end = mark.start()
        while end > 0 and text[end - 1].isspace():
            end -= 1
        start = end
        while start > 0 and end - start < _LOCAL_PART_MAX and text[start - 1] in _LOCAL_PART_CHARS:
            start -= 1
        starts.append(start)
        starts += [i for i in range(start + 1, end) if text[i - 1] in "+-"]
    return starts


def _candidate(scan: Scan, start: int, end: int, local: str, domain: str, score: float):
    context = scan.context_for(start, placeholder_domain(domain.lower()))
    return Candidate(DetectedSpan(start, end, EMAIL, context, score), PRIORITY)
