"""The rule-based PII detector for source code.

`detect(text)` returns non-overlapping `DetectedSpan`s sorted by offset. No database,
no network, safe to run in worker processes. The rule modules are Python, loaded
compiled to C when `make native` has built them from these very sources (native.py).
"""

from functools import lru_cache

from annotator.detection import native

# Before any rule module is imported, so that all of them load compiled or none does.
COMPILED = native.use_compiled(__path__)

from annotator.detection import emails, ids, ips, names, passwords, secrets, usernames  # noqa: E402
from annotator.detection.assignments import find_assignments  # noqa: E402
from annotator.detection.context import Scan  # noqa: E402
from annotator.detection.types import Candidate, DetectedSpan  # noqa: E402

__all__ = ["DetectedSpan", "detect"]


def detect(text: str) -> list[DetectedSpan]:
    if not text:
        return []
    scan = Scan(text)
    assignments = find_assignments(scan, _taken_by_a_rule)
    candidates: list[Candidate] = []
    candidates += secrets.find(scan, assignments)
    candidates += passwords.find(scan, assignments)
    candidates += emails.find(scan)
    candidates += usernames.find(scan, assignments)
    candidates += ips.find(scan)
    candidates += ids.find(scan, assignments)
    candidates += names.find(scan, assignments)
    return resolve(candidates)


@lru_cache(maxsize=4096)
def _taken_by_a_rule(words: tuple[str, ...]) -> bool:
    """Whether some rule can take the value of a name made of `words`: each rule below
    checks the same function first and turns down every other assignment."""
    return (
        secrets.is_key_name(words)
        or passwords.is_password_name(words)
        or usernames.is_user_name(words)
        or ids.is_id_name(words)
        or names.is_person_field(words)
    )


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
