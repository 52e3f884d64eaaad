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
from statistics import NormalDist


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


# The accuracy rule suspends someone only on evidence: the chance that an annotator whose
# true accuracy reaches the project's minimum would answer this badly must be under 5 %.
ACCURACY_CONFIDENCE = 0.95
_Z = NormalDist().inv_cdf(ACCURACY_CONFIDENCE)  # 1.645


def accuracy_upper_bound(correct: int, answers: int) -> float:
    """The most an annotator's true accuracy can plausibly be, given `correct` of `answers`.

    The upper end of a one-sided 95 % Wilson score interval. With few answers it stays
    high (1 right of 3: 0.75), so a slip or two of an accurate annotator in a small sample
    does not look like low accuracy; with none right of 3 it is 0.47. The closed form, not
    scipy's `binomtest` (the tests check it against that): importing scipy.stats costs a
    web process most of a second on its first control answer.
    """
    z = _Z
    share = correct / answers
    centre = share + z * z / (2 * answers)
    spread = z * math.sqrt(share * (1 - share) / answers + z * z / (4 * answers * answers))
    return min(1.0, (centre + spread) / (1 + z * z / answers))
