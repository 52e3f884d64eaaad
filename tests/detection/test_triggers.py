"""The trigger pass must answer exactly like `str.find`, overlaps included (pure, no DB)."""

import random

import pytest

from annotator.detection.context import Scan
from annotator.detection.triggers import LITERALS, PRESENCE, TOKEN_HINTS, Hits, matches_at


def naive_positions(lower: str) -> dict[str, list[int]]:
    """Every occurrence of each literal; only the first for a PRESENCE literal."""
    found = {}
    for literal in LITERALS:
        positions, pos = [], lower.find(literal)
        while pos != -1:
            positions.append(pos)
            pos = -1 if literal in PRESENCE else lower.find(literal, pos + 1)
        if positions:
            found[literal] = positions
    return found


def as_sorted(positions: dict[str, list[int]]) -> dict[str, list[int]]:
    return {literal: sorted(found) for literal, found in positions.items()}


@pytest.mark.parametrize(
    "text",
    [
        "username = 'x'; users; user_name; acct_id; accounts",  # keywords inside keywords
        "passpass --password sshpass -pass",  # overlapping and repeated literals
        "tokentoken token  bearer thanks to jane doe and jane roe",
        "key-key key- AKIA ya29. sg. eyj",
        "@a @b :: a::b://c::d identified dot.dot",  # presence-only gates: first one reported
        "",
    ],
)
def test_hits_match_str_find_on_overlapping_literals(text):
    assert as_sorted(Hits(text.lower()).positions) == naive_positions(text.lower())


def test_hits_match_str_find_on_random_mixtures_of_literals():
    rng = random.Random(20261125)
    pieces = [*LITERALS, " ", "_", "-", ".", "x", "ss", "a", "\n", ":", "/"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        assert as_sorted(Hits(text).positions) == naive_positions(text), text


def test_hits_match_str_find_around_non_ascii_characters():
    # The scan replaces each non-ASCII character by one "?", which no literal holds.
    assert all(literal.isascii() and "?" not in literal for literal in LITERALS)
    rng = random.Random(6)
    pieces = [*LITERALS, "é", "中文", "\u212a", "\U0001f600", "\ud800", "?", " ", "_"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))).lower()
        assert as_sorted(Hits(text).positions) == naive_positions(text), text
    assert Hits("é token").positions["token"] == [2]


def test_cased_hints_are_checked_against_the_original_text():
    scan = Scan("msg.send(); key = 'AKIAxyz'")
    assert scan.has("sg.")  # lower-cased trigger seen ...
    assert not scan.has_cased("SG.")  # ... but the case-sensitive hint is absent
    assert scan.has_any_cased(TOKEN_HINTS)  # AKIA is there


def test_matches_at_equals_finditer_when_given_every_possible_start():
    import re

    pattern = re.compile(r"ab+a")
    text = "abba abbbabba xabax"
    starts = [i for i, ch in enumerate(text) if ch == "a"]
    assert [m.span() for m in matches_at(pattern, text, starts)] == [
        m.span() for m in pattern.finditer(text)
    ]
