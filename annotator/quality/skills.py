"""An annotator's skill in a category from their recent control answers (pure).

Toloka's rolling rule: the skill is the share of the last `window` control answers that
count as correct (F1 at or above `threshold`), published only once there are at least
`minimum` answers, so one lucky or unlucky first answer does not decide it. The exact
mean F1 over the same window is kept alongside, for finer ranking and for reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SkillEstimate:
    value: int  # 0-100: percent of the window's answers counted correct
    mean_f1: float  # mean F1 over the same window
    answers: int  # how many answers the window held


def skill_from_controls(
    scores: Sequence[float], window: int = 10, minimum: int = 3, threshold: float = 0.8
) -> SkillEstimate | None:
    """Skill from control F1 scores, oldest first; None before `minimum` answers.

    Control answers with nothing to score (``spans.control_f1`` returned None) should be
    left out by the caller.
    """
    if not 1 <= minimum <= window:
        raise ValueError(f"Need 1 <= minimum <= window, got minimum={minimum}, window={window}.")
    if len(scores) < minimum:
        return None
    recent = list(scores)[-window:]
    if any(not 0.0 <= s <= 1.0 for s in recent):
        raise ValueError("Control scores are F1 values between 0 and 1.")
    correct = sum(s >= threshold for s in recent)
    # Round half up (Python's round() would send 12.5 to 12).
    value = math.floor(100 * correct / len(recent) + 0.5)
    return SkillEstimate(value=value, mean_f1=sum(recent) / len(recent), answers=len(recent))
