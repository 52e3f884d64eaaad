"""IP_ADDRESS: IPv4 and IPv6 literals, validated with `ipaddress`.

Spans hold the address only (no brackets, ports, prefix lengths or zone ids).
"""

import ipaddress
import re

from annotator.detection.context import Scan
from annotator.detection.types import IP_ADDRESS, Candidate, DetectedSpan

PRIORITY = 45
# A dotted quad that is not part of a longer dotted run (OIDs, versions like 1.2.3.4.5).
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\w)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}"
    r"(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w.:])"
)
# Literal-led patterns are cheap to search; the full patterns run only after a hit.
_IPV4_HINT = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d")
_IPV6_HINT = re.compile(r":[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")
_VERSION_CONTEXT = re.compile(
    r"(?i)(?:version|\bver\b|\bv\b|release|build|assembly|\boid\b|==|>=|<=|~=)[\"'\s:=(\[]*\Z"
    r"|(?:version|\boid\b|fileversion|productversion)"
)


def find(scan: Scan) -> list[Candidate]:
    text = scan.text
    found = list(_ipv4(scan)) if _IPV4_HINT.search(text) else []
    if "::" in text or _IPV6_HINT.search(text):
        found.extend(_ipv6(scan))
    return found


def _ipv4(scan: Scan):
    text = scan.text
    for m in _IPV4.finditer(text):
        try:
            address = ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        if _ignored_v4(address) or _looks_like_version(scan, m.start()):
            continue
        yield _candidate(m.start(), m.end())


def _ignored_v4(address: ipaddress.IPv4Address) -> bool:
    value = int(address)
    if address.is_loopback or value >> 24 == 0 or value == 0xFFFFFFFF:
        return True
    inverted = ~value & 0xFFFFFFFF
    is_netmask = value >> 24 == 0xFF and inverted & (inverted + 1) == 0
    return is_netmask


def _looks_like_version(scan: Scan, start: int) -> bool:
    line_start = scan.text.rfind("\n", 0, start) + 1
    before = scan.text[max(line_start, start - 40) : start]
    return bool(_VERSION_CONTEXT.search(before))


def _ipv6(scan: Scan):
    for m in _IPV6.finditer(scan.text):
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
