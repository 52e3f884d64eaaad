"""Writes on skills: quiz results, control answers and manual changes.

A skill is per annotator and category, 0-100. Every change of value goes through `skill_record`,
which writes a `SkillEvent` (old, new, source, reason, actor), so the log is complete.

Control answers: each submitted control task is scored per category in play (a gold
span or an answered span of that category) with exact span F1 (`quality.spans`), and
stored as a `ControlAnswer`. The skill is then recomputed with Toloka's rolling rule
(`quality.skills.skill_from_controls`) over the last N answers in that category, with
N, the minimum M and the F1 threshold of the project where the answer was given. Only
answers after the last quiz or manual change count (`Skill.controls_since`), so an
annotator who retrains starts a fresh window; until M new answers exist the quiz value
stands.
"""

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.core.models import AuditEntry
from annotator.core.services import audit_record
from annotator.labeling.models import Annotation, Assignment
from annotator.projects.models import Project
from annotator.quality.models import ControlAnswer, QualityPolicy, Skill, SkillEvent
from annotator.quality.services.rules import policy_for
from annotator.quality.skills import skill_from_controls
from annotator.quality.spans import AMBIGUOUS, LabeledSpan, control_f1

logger = logging.getLogger(__name__)

Source = SkillEvent.Source


def _skill_locked(annotator, category: str) -> tuple[Skill, bool]:
    return Skill.objects.select_for_update().get_or_create(annotator=annotator, category=category)


@transaction.atomic
def skill_record(
    *,
    annotator,
    category: str,
    value: int,
    source: str,
    reason: str,
    actor=None,
    project: Project | None = None,
) -> Skill:
    """Set a skill and log the change. A quiz or manual value restarts the control window.

    For the quiz exam: `skill_record(annotator=..., category=..., value=score,
    source=SkillEvent.Source.QUIZ, reason="Quiz exam: 8 of 10", project=quiz_project)`.
    """
    if category not in taxonomy.PII_CATEGORIES:
        raise DomainError(f"Unknown skill {category!r}.")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise DomainError("A skill is a whole number from 0 to 100.")
    skill, created = _skill_locked(annotator, category)
    old = None if created else skill.value
    skill.value = value
    fields = ["value", "updated_at"]
    if source != Source.CONTROL:
        skill.controls_since = timezone.now()
        fields.append("controls_since")
    skill.save(update_fields=fields)
    SkillEvent.objects.create(
        annotator=annotator, category=category, old=old, new=value, source=source,
        reason=reason[:300], actor=actor, project=project,
    )  # fmt: skip
    return skill


def skill_set(*, annotator, category: str, value: int, reason: str, actor) -> Skill:
    """Set one skill by hand (a requester's or admin's decision), with a reason.

    Raises DomainError for an unknown category, a value outside 0-100 or a blank reason.
    The change is logged with who made it and why, old and new value; it also resets the
    control window (see the module docstring), so "reset" is the same call.
    """
    if not reason or not reason.strip():
        raise DomainError("Say why the skill changes.")
    with transaction.atomic():
        old = Skill.objects.filter(annotator=annotator, category=category).first()
        skill = skill_record(
            annotator=annotator, category=category, value=value, source=Source.MANUAL,
            reason=reason.strip(), actor=actor,
        )  # fmt: skip
        if actor is not None and actor.pk != annotator.pk:  # a quiz pass is the annotator's own
            audit_record(
                actor=actor, action=AuditEntry.Action.SKILL_SET, target_user=annotator,
                details={"category": category, "old": old and old.value, "new": value,
                         "reason": reason.strip()},
            )  # fmt: skip
    logger.info(
        "Skill %s of annotator #%s set %s -> %s by #%s: %s",
        category, annotator.pk, old and old.value, value, actor.pk, reason.strip(),
    )  # fmt: skip
    return skill


def _labeled(raw: Sequence[dict]) -> list[LabeledSpan]:
    return [LabeledSpan(s["start"], s["end"], s["category"], s["context"]) for s in raw]


def control_scores(
    *, answer: Sequence[LabeledSpan], gold: Sequence[LabeledSpan], categories: Sequence[str]
) -> dict[str, float]:
    """F1 per category in play; categories with nothing to score are left out."""
    in_play = {s.category for s in (*answer, *gold) if s.category != AMBIGUOUS}
    scores = {}
    for category in categories:
        if category in in_play:
            f1 = control_f1(answer, gold, [category])
            if f1 is not None:
                scores[category] = f1
    return scores


@transaction.atomic
def control_answer_record(*, assignment: Assignment, annotation: Annotation) -> list[ControlAnswer]:
    """Score a submitted control task and update the annotator's skills from it.

    Safe to call twice: answers already recorded for the assignment are kept as they are.
    Does nothing for ordinary tasks, problem reports and quiz projects (the quiz grades
    its own exam).
    """
    task = assignment.task
    project = task.project
    if not task.is_control or annotation.problem or project.kind == Project.Kind.QUIZ:
        return []
    if ControlAnswer.objects.filter(assignment=assignment).exists():
        return list(ControlAnswer.objects.filter(assignment=assignment))
    policy = policy_for(project)
    answer = _labeled(annotation.spans.values("start", "end", "category", "context"))
    scores = control_scores(
        answer=answer, gold=_labeled(task.gold_spans), categories=project.categories
    )
    rows = ControlAnswer.objects.bulk_create(
        ControlAnswer(
            annotator_id=assignment.annotator_id,
            project=project,
            task=task,
            assignment=assignment,
            category=category,
            f1=f1,
            correct=f1 >= policy.control_threshold,
        )
        for category, f1 in sorted(scores.items())
    )
    for category in sorted(scores):
        skill_update_from_controls(annotator=assignment.annotator, category=category, policy=policy)
    return rows


@transaction.atomic
def skill_update_from_controls(*, annotator, category: str, policy: QualityPolicy) -> Skill:
    """Recompute one skill from its recent control answers under the policy's rule."""
    skill, _ = _skill_locked(annotator, category)
    answers = ControlAnswer.objects.filter(annotator=annotator, category=category)
    if skill.controls_since is not None:
        answers = answers.filter(created_at__gt=skill.controls_since)
    recent = list(answers.order_by("-created_at", "-pk")[: policy.control_window])
    scores = [a.f1 for a in reversed(recent)]
    estimate = skill_from_controls(
        scores, policy.control_window, policy.control_minimum, policy.control_threshold
    )
    if estimate is None or estimate.value == skill.value:
        return skill
    correct = sum(f1 >= policy.control_threshold for f1 in scores)
    reason = (
        f"{correct} of the last {estimate.answers} control answers reached "
        f"F1 {policy.control_threshold:.2f} (mean F1 {estimate.mean_f1:.2f})."
    )
    return skill_record(
        annotator=annotator, category=category, value=estimate.value,
        source=Source.CONTROL, reason=reason, project=policy.project,
    )  # fmt: skip
