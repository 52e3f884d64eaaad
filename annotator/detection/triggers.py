"""One pass that finds every occurrence of every trigger literal in a text.

Most texts contain no PII, so each rule first asks whether its trigger words occur at
all. Asking with `word in text` costs one pass over the text per word, about a hundred
per text. Here Hyperscan, a multi-literal matcher in C, finds all of them in a single
pass and reports every occurrence, overlaps included: the positions are exactly those
of `str.find`, so `Scan.has(word)` means exactly `word in lower`.
"""

import re
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

import hyperscan

# Words inside a name that make `name = value` worth parsing (see assignments.py).
KEYWORDS = (
    "pass", "pwd", "secret", "token", "key", "auth", "credential", "bearer", "user", "login",
    "account", "acct", "client", "consumer", "phone", "mobile", "fax", "tel", "cell", "owner",
    "author", "name", "email", "uid",
)  # fmt: skip
# Case-sensitive prefixes, one of which every token format in secrets.py contains
# ("k_live_" stands for sk_live_ and rk_live_). Matched lower-cased here and checked
# against the original text at the hit. AWS prefixes made of common letters only, and
# ":AA", are looked for by secrets.py itself.
TOKEN_HINTS = (
    "AKIA", "AGPA", "AIPA", "ANPA", "ANVA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "glpat-", "glptt-", "glrt-", "gldt-", "glcbt-", "glsoat-", "xox",
    "k_live_", "k_test_", "whsec_", "AIza", "ya29.", "eyJ", "SG.", "npm_", "pypi-", "sk-",
    "shp", "sq0", "key-", "dop_v1_", "hf_",
)  # fmt: skip
# Gates of the other rules, lower-cased. A gate only has to be implied by the rule's
# own condition, so some are shortened to avoid a frequent first character ("c)" for
# "(c)", "-pass" for "--pass" and "-password").
GATES = (
    "copyright", "c)", "maintainer", "signed-off", "thanks to", " by", "john doe",
    "jane doe", "jane roe", "richard roe", "max mustermann", "aws", "googleusercontent",
    "cus_", "acct_", "sub_", "cs_", "ba_", "whatsapp", "sms", "contact", "card", "visa",
    "credit", "amex", "-pass", "sshpass", "redis-cli", "mysql", " -u", "users", "/home/",
    "token ", "written", "created", "contributed", "maintained", "ported", "original",
    "thanks", "credits", "contributors", "developers", "-----begin", "hooks.slack.com",
    "$author:", ":aa", "asia", "aida", "aroa", "a3t", ".com/", ".org/", ".io/", ".co/", "t.me/",
    "://", "arn:aws", "sqs.", "iam::", ".dkr.ecr.",
)  # fmt: skip
# Gates asked only whether they occur: the scan reports just the first occurrence, so
# frequent ones ("@" in decorators, "::" in C++) cost one report per text, not one each.
PRESENCE = ("@", "::", "identified", "dot", "aaaa")
LITERALS = tuple(dict.fromkeys((*KEYWORDS, *(h.lower() for h in TOKEN_HINTS), *GATES, *PRESENCE)))
# Patterns asked only whether they occur, each found under its name (`Scan.has(name)`),
# in place of a regex search of the whole text. They read the lower-cased text with
# non-ASCII characters as "?" (below), so for ASCII text `has(name)` is exactly
# `re.search(pattern, lower)`; elsewhere a digit class misses non-ASCII digits (`\d`
# has them), and only IPV6_RUN, made of ASCII classes only, is exact for every text.
PLUS_DIGIT, AREA_CODE, IPV4_RUN, IPV6_RUN = "<+digit>", "<(ddd)>", "<ipv4 run>", "<ipv6 run>"
AT_MARK = "<at mark>"
_BLANK = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"  # what Python's `\s` matches below 128
PATTERNS = {
    PLUS_DIGIT: r"\+[0-9]",
    AREA_CODE: r"\([0-9]{3}\)",
    IPV4_RUN: r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    IPV6_RUN: r":[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:",
    # emails._OBFUSCATION_MARK, with `\s` spelled out as Python reads it in ASCII text
    # (Hyperscan's `\s` leaves out \x1c-\x1f).
    AT_MARK: r"[\[({<]{s}*at{s}*[\])}>]|{s}at{s}".replace("{s}", _BLANK),
}


# Hyperscan scans bytes. Every literal is ASCII, so the text is scanned with each
# non-ASCII character replaced by one "?" (in no literal): one byte per character keeps
# the offsets, and no literal can match across a replaced character (tested).
_KEYS = (*LITERALS, *PATTERNS)
_LENGTHS = tuple(len(lit) for lit in LITERALS) + (0,) * len(PATTERNS)  # patterns: no position
_DATABASE = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
_DATABASE.compile(
    expressions=[re.escape(lit).encode("ascii") for lit in LITERALS]
    + [pattern.encode("ascii") for pattern in PATTERNS.values()],
    ids=list(range(len(_KEYS))),
    elements=len(_KEYS),
    flags=[hyperscan.HS_FLAG_SINGLEMATCH if key in PRESENCE else 0 for key in LITERALS]
    + [hyperscan.HS_FLAG_SINGLEMATCH] * len(PATTERNS),
)
_local = threading.local()  # a scan needs scratch space of its own in each thread


def _record(index: int, _start: int, end: int, _flags: int, positions: Any) -> None:
    positions.setdefault(_KEYS[index], []).append(end - _LENGTHS[index])


def _scratch() -> hyperscan.Scratch:
    scratch = getattr(_local, "scratch", None)
    if scratch is None:
        scratch = _local.scratch = hyperscan.Scratch(_DATABASE)
    return scratch


class Hits:
    """Where each trigger literal occurs in one lower-cased text (for a PRESENCE
    literal, only where it first occurs)."""

    __slots__ = ("positions",)

    def __init__(self, lower: str) -> None:
        positions: dict[str, list[int]] = {}
        # Matches come in order of their end, so each literal's positions are sorted.
        _DATABASE.scan(
            lower.encode("ascii", "replace"),
            scratch=_scratch(),
            match_event_handler=_record,
            context=positions,
        )
        self.positions = positions

    def cased_positions(self, text: str, exacts: tuple[str, ...]) -> list[int]:
        wanted = _by_lower(exacts)
        return [
            pos
            for literal, positions in self.positions.items()
            if (exact := wanted.get(literal)) is not None
            for pos in positions
            if text.startswith(exact, pos)
        ]

    def has_any_cased(self, text: str, exacts: tuple[str, ...]) -> bool:
        wanted = _by_lower(exacts)
        if wanted.keys().isdisjoint(self.positions):
            return False  # none even in lower case (the usual answer, found in C)
        for literal, positions in self.positions.items():
            exact = wanted.get(literal)
            if exact is not None and any(text.startswith(exact, pos) for pos in positions):
                return True
        return False


def matches_at(pattern: re.Pattern, string: str, starts: Iterable[int]) -> Iterator[re.Match]:
    """What `pattern.finditer(string)` yields, given every offset where a match can start.

    Trying only those offsets, in order and never inside the previous match, gives
    the same leftmost, non-overlapping matches as scanning every position.
    """
    last_end = 0
    for start in sorted(set(starts)):
        if start < last_end or start < 0:
            continue
        m = pattern.match(string, start)
        if m is not None:
            last_end = max(m.end(), start + 1)
            yield m


@cache
def _by_lower(exacts: tuple[str, ...]) -> dict[str, str]:
    return {exact.lower(): exact for exact in exacts}
