"""The rule-based PII detector for source code.

`detect(text)` returns non-overlapping `DetectedSpan`s sorted by offset. Pure Python:
no database, no network, safe to run in worker processes.
"""

from annotator.detection import emails, ids, ips, names, passwords, secrets, usernames
from annotator.detection.assignments import find_assignments
from annotator.detection.context import Scan
from annotator.detection.types import Candidate, DetectedSpan

__all__ = ["DetectedSpan", "detect"]


def detect(text: str) -> list[DetectedSpan]:
    if not text:
        return []
    scan = Scan(text)
    assignments = find_assignments(scan)
    candidates: list[Candidate] = []
    candidates += secrets.find(scan, assignments)
    candidates += passwords.find(scan, assignments)
    candidates += emails.find(scan)
    candidates += usernames.find(scan, assignments)
    candidates += ips.find(scan)
    candidates += ids.find(scan, assignments)
    candidates += names.find(scan, assignments)
    return resolve(candidates)


def resolve(candidates: list[Candidate]) -> list[DetectedSpan]:
    """Keep the most specific candidate wherever candidates overlap.

    Higher priority wins, then the longer span, then the earlier one. The kept spans
    never share a character.
    """
    if len(candidates) < 2:
        return [c.span for c in candidates if c.span.start < c.span.end]
    ranked = sorted(
        candidates,
        key=lambda c: (-c.priority, -(c.span.end - c.span.start), c.span.start),
    )
    kept: list[DetectedSpan] = []
    # One byte per character, set once kept: a test per span costs its length, not the
    # number of spans kept so far (tens of thousands on a minified file).
    taken = bytearray(max((c.span.end for c in ranked), default=0))
    for candidate in ranked:
        span = candidate.span
        if span.end <= span.start or taken.find(1, span.start, span.end) != -1:
            continue
        kept.append(span)
        taken[span.start : span.end] = b"\x01" * (span.end - span.start)
    return sorted(kept, key=lambda s: s.start)
