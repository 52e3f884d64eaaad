"""Writes on annotators' quality, one module per topic.

`skills` (skills, control-task scoring, manual changes), `rules` (quality-control rules
and sanctions), `pay` (rewards, bonuses, payouts), `quizzes` (training and exams),
`aggregation` (final spans, agreement) and `validation` (the validation chain).
"""

from annotator.quality.services.skills import skill_set

__all__ = ["skill_set"]
