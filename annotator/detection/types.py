"""Plain data shared by the detector modules (no Django, no I/O)."""

from dataclasses import dataclass

NAME = "NAME"
EMAIL = "EMAIL"
USERNAME = "USERNAME"
IP_ADDRESS = "IP_ADDRESS"
PASSWORD = "PASSWORD"
KEY = "KEY"
ID = "ID"

LICENSE = "license"
PLACEHOLDER = "placeholder"
REAL = "real"


@dataclass(frozen=True, slots=True)
class DetectedSpan:
    """A detected value: `start`/`end` are 0-based character offsets, `end` exclusive."""

    start: int
    end: int
    label: str
    context: str = REAL
    score: float = 1.0

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "context": self.context,
            "score": round(self.score, 3),
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span proposed by one rule, before conflicts between rules are resolved.

    `priority` decides overlaps: the more specific rule carries the higher number.
    """

    span: DetectedSpan
    priority: int
