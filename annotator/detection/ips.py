"""IP_ADDRESS: IPv4 and IPv6 literals, validated with `ipaddress`.

Spans hold the address only (no brackets, ports, prefix lengths or zone ids).
"""

import ipaddress
import re

from annotator.detection.context import Scan
from annotator.detection.triggers import IPV4_RUN, IPV6_RUN, matches_at
from annotator.detection.types import IP_ADDRESS, Candidate, DetectedSpan

PRIORITY = 45
# A dotted quad that is not part of a longer dotted run (OIDs, versions like 1.2.3.4.5).
# Written to start with a digit (the look-behind follows the first digit) so the regex
# engine skips non-digits in C instead of trying the look-behind at every position.
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?!\.?\w)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}"
    r"(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w.:])"
)
# Literal-led patterns are cheap to search; the full patterns run only after a hit.
_IPV4_HINT = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d")
_IPV6_HINT = re.compile(r":[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")
# The first colon of the pair that _IPV6's look-ahead needs: a match starts 0-4 hex
# digits before one. Literal-led, so the engine skips to colons in C.
_IPV6_COLON_PAIR = re.compile(r":(?=[0-9A-Fa-f]{0,4}:)")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_VERSION_CONTEXT = re.compile(
    r"(?:version|\bver\b|\bv\b|release|build|assembly|\boid\b|==|>=|<=|~=)[\"'\s:=(\[]*\Z"
    r"|(?:version|(?<![a-z])oid(?![a-z])|fileversion|productversion|objectidentifier)"
    # "linux-2.6.35.9", "merged to 1.6.2.3", "update V8 to 10.2.154.2", "up to 1.7.3.0"
    r"|[a-z]-\Z|\b(?:merged|up|updated?|upgraded?|bump(?:ed)?|v8)\s+(?:to\s+)?\Z"
    r"|\b(?:since|until|fixed in)\s+v?\Z"
)
# Section numbers ("[3.7.2.4]", "5.2.1.4  Complete elliptic integrals"), SVG path data,
# and an address after "addr/" (a mask) or "::" (part of an IPv6 literal).
_NOT_AN_ADDRESS_BEFORE = re.compile(r"(?:\[|[0-9A-Fa-f.:]/|::)\Z")
_MASK_BEFORE = re.compile(r"[0-9A-Fa-f.:]/\Z")
_SVG_PATH = re.compile(r"""\bd=["'][Mm]""")
_SECTION_TITLE = re.compile(r"[ \t]{2,}[A-Z]|[ \t]+<")


def find(scan: Scan) -> list[Candidate]:
    text = scan.text
    has_run = scan.has(IPV4_RUN) or not text.isascii()  # exact for ASCII text only
    hints = [m.start() for m in _IPV4_HINT.finditer(text)] if has_run else []
    found = list(_ipv4(scan, hints)) if hints else []
    if scan.has("::") or scan.has(IPV6_RUN):  # IPV6_RUN: exactly _IPV6_HINT.search(text)
        found.extend(_ipv6(scan))
    return found


def _ipv4(scan: Scan, hints: list[int]):
    """Dotted quads. A match's first dot starts a hint (no hint can start earlier inside
    the digits and dots of a match, as a match follows a non-word, non-dot character),
    so a match starts 1 to 3 characters before a hint."""
    text = scan.text
    for m in matches_at(_IPV4, text, _digit_run_starts(text, hints)):
        if _looks_like_version(scan, m.start()) or _not_a_v4_address(scan, m):
            continue
        try:
            address = ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        if _ignored_v4(address):
            continue
        yield _candidate(m.start(), m.end())


def _digit_run_starts(text: str, hints: list[int]) -> list[int]:
    """Where the run of 1-3 digits (`\\d`: Unicode decimals) before each hint starts."""
    starts = []
    for hint in hints:
        start = hint
        while start > 0 and hint - start < 4 and text[start - 1].isdecimal():
            start -= 1
        if 0 < hint - start < 4:
            starts.append(start)
    return starts


def _ignored_v4(address: ipaddress.IPv4Address) -> bool:
    value = int(address)
    if address.is_loopback or value >> 24 == 0 or value == 0xFFFFFFFF:
        return True
    inverted = ~value & 0xFFFFFFFF
    is_netmask = value >> 24 == 0xFF and inverted & (inverted + 1) == 0
    return is_netmask


def _looks_like_version(scan: Scan, start: int) -> bool:
    # The 40 characters before the match, not before its line: a newline there starts
    # the window after it.
    low = max(0, start - 40)
    low = scan.text.rfind("\n", low, start) + 1 or low
    # Searched on the lower-cased text: an IGNORECASE regex is several times slower.
    return bool(_VERSION_CONTEXT.search(scan.lower, low, start))


def _not_a_v4_address(scan: Scan, m: re.Match) -> bool:
    """A dotted quad that numbers a section, draws a path or is part of something else."""
    text, start = scan.text, m.start()
    if _NOT_AN_ADDRESS_BEFORE.search(text, max(0, start - 3), start):
        return True
    small = all(int(part) < 40 for part in m.group().split("."))
    if small and (text.startswith("]", m.end()) or _SECTION_TITLE.match(text, m.end())):
        return True
    return scan.line_matches(_SVG_PATH, start)


def _ipv6(scan: Scan):
    for m in matches_at(_IPV6, scan.text, _ipv6_starts(scan.text)):
        if _MASK_BEFORE.search(scan.text, max(0, m.start() - 2), m.start()):
            continue
        literal = m.group(0)
        if literal.endswith(":") and not literal.endswith("::"):
            literal = literal[:-1]  # "at 2001:db8::1: the gateway"
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError:
            continue
        if address.is_loopback or address.is_unspecified or _not_an_address(literal, address):
            continue
        yield _candidate(m.start(), m.start() + len(literal))


def _ipv6_starts(text: str) -> list[int]:
    """Every offset where an _IPV6 match can start: its look-ahead reads 0-4 hex digits,
    then the first colon of a colon pair (_IPV6_COLON_PAIR)."""
    starts = []
    for m in _IPV6_COLON_PAIR.finditer(text):
        start = colon = m.start()
        starts.append(colon)
        while start > 0 and colon - start < 4 and text[start - 1] in _HEX_DIGITS:
            start -= 1
            starts.append(start)
    return starts


def _not_an_address(literal: str, address: ipaddress.IPv6Address) -> bool:
    """Reject C++/Ruby scopes and slices that happen to parse (`dead::beef`, `10::2`)."""
    mapped = address.ipv4_mapped
    if mapped is not None and (mapped.is_loopback or mapped.is_unspecified):
        return True
    digits = sum(c in "0123456789abcdefABCDEF" for c in literal)
    if literal.count(":") == 2:
        head = literal.split("::")[0]
        return len(head) < 3 or digits < 5 or not any(c.isdigit() for c in literal)
    return digits < 4


def _candidate(start: int, end: int) -> Candidate:
    return Candidate(DetectedSpan(start, end, IP_ADDRESS, score=0.9), PRIORITY)
