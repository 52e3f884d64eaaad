"""One regex pass that finds every occurrence of every trigger literal in a text.

Most texts contain no PII, so each rule first asks whether its trigger words occur at
all. Asking with `word in text` costs one pass over the text per word, about a hundred
per text. Here a single regex visits only the characters that can anchor a trigger:
each literal is anchored on its rarest character in source code ("k" in "token", "w"
in "pwd"), and the regex checks the rest with look-behind and look-ahead. The regex
engine skips every other character in C, and because a match consumes only the
anchor character, overlapping triggers never hide one another: the positions found
are exactly those of `str.find`, so `has(word)` means exactly `word in lower`.
"""

import re
from collections.abc import Iterable, Iterator
from functools import cache

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
    "thanks", "credits", "contributors", "developers",
)  # fmt: skip
LITERALS = tuple(dict.fromkeys((*KEYWORDS, *(h.lower() for h in TOKEN_HINTS), *GATES)))


# Anchor characters, rarest first (frequency in lower-cased source code, measured on the
# standard library, site-packages and the benchmark corpus: "j" 0.1 %, "c" 2.1 %). Every
# extra anchor adds candidate positions; a literal made only of common characters
# ("tel", "asia") is found with str.find instead.
_ANCHORS = "jqzkwvyxbghpmuc"


def _anchor(literal: str) -> int:
    ranks = [_ANCHORS.find(ch) for ch in literal]
    return min((r, i) for i, r in enumerate(ranks) if r >= 0)[1]


def _anchored_pattern(literals: Iterable[str]) -> tuple[re.Pattern, list[tuple]]:
    """The scan regex, and per capture group the literals to record when it matches.

    The regex is an alternation on the anchor character (so the engine skips other
    characters in C); each branch looks ahead through a prefix tree of what may follow
    that anchor, and each leaf looks behind for the whole literal, then captures an
    empty group that names it. A match is one character wide, so overlapping literals
    never hide one another.
    """
    by_char: dict[str, list[tuple[str, int]]] = {}
    for literal in literals:
        i = _anchor(literal)
        by_char.setdefault(literal[i], []).append((literal, i))
    leaves: list[tuple] = [()]  # group 0 is the whole match
    branches = []
    # Common anchors first: the engine tries the branches in order at each candidate.
    for ch, items in sorted(by_char.items(), key=lambda item: -_ANCHORS.find(item[0])):
        tree: dict = {}
        for literal, i in items:
            node = tree
            for follower in literal[i + 1 :]:
                node = node.setdefault(follower, {})
            node.setdefault("", []).append((literal, i))
        branches.append(f"{re.escape(ch)}(?={_tree_pattern(tree, items, leaves)})")
    return re.compile("|".join(branches)), leaves


def _tree_pattern(node: dict, items: list[tuple[str, int]], leaves: list[tuple]) -> str:
    branches = [
        re.escape(ch) + _tree_pattern(child, items, leaves)
        for ch, child in sorted(node.items())
        if ch
    ]
    for literal, i in node.get("", ()):
        # The regex reports one literal per anchor; others anchored on the same
        # character that agree with it where they overlap may occur there too.
        others = tuple(o for o in items if o[0] != literal and _agree(o, (literal, i)))
        leaves.append(((literal, i), *others))
        branches.append(f"(?<={re.escape(literal)})()")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _agree(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Can literals `a` and `b` (each with its anchor index) both occur on one anchor?"""
    (x, i), (y, j) = a, b
    shift = i - j  # x[k] lies over y[k - shift]
    return all(x[k] == y[k - shift] for k in range(len(x)) if 0 <= k - shift < len(y))


_UNANCHORED = tuple(lit for lit in LITERALS if not any(ch in _ANCHORS for ch in lit))
_TRIGGER, _LEAVES = _anchored_pattern(lit for lit in LITERALS if lit not in _UNANCHORED)


class Hits:
    """Where each trigger literal occurs in one lower-cased text."""

    __slots__ = ("positions",)

    def __init__(self, lower: str) -> None:
        positions: dict[str, list[int]] = {}
        for m in _TRIGGER.finditer(lower):
            anchor = m.start()
            (literal, i), *others = _LEAVES[m.lastindex]
            positions.setdefault(literal, []).append(anchor - i)
            for other, j in others:
                if anchor >= j and lower.startswith(other, anchor - j):
                    positions.setdefault(other, []).append(anchor - j)
        for literal in _UNANCHORED:
            pos = lower.find(literal)
            while pos != -1:
                positions.setdefault(literal, []).append(pos)
                pos = lower.find(literal, pos + 1)
        self.positions = positions

    def has(self, literal: str) -> bool:
        """Exactly `literal in lower`, for a literal in LITERALS."""
        return literal in self.positions

    def has_any(self, literals: tuple[str, ...]) -> bool:
        return not _as_set(literals).isdisjoint(self.positions)

    def has_cased(self, text: str, exact: str) -> bool:
        """Exactly `exact in text`, for an `exact` whose lower-cased form is in LITERALS."""
        positions = self.positions.get(exact.lower(), ())
        return any(text.startswith(exact, pos) for pos in positions)

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
def _as_set(literals: tuple[str, ...]) -> frozenset[str]:
    return frozenset(literals)


@cache
def _by_lower(exacts: tuple[str, ...]) -> dict[str, str]:
    return {exact.lower(): exact for exact in exacts}
