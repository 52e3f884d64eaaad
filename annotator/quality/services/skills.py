"""Writes on annotators' quality: skills (and, later, quizzes, rules and aggregation)."""

import logging

from django.db import transaction

from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.quality.models import Skill

logger = logging.getLogger(__name__)


@transaction.atomic
def skill_set(*, annotator, category: str, value: int, reason: str, actor) -> Skill:
    """Set one skill by hand (a requester's or admin's decision), with a reason.

    Raises DomainError for an unknown category, a value outside 0-100 or a blank reason.
    The change is logged with who made it and why, old and new value.
    """
    if category not in taxonomy.PII_CATEGORIES:
        raise DomainError(f"Unknown skill {category!r}.")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise DomainError("A skill is a whole number from 0 to 100.")
    if not reason or not reason.strip():
        raise DomainError("Say why the skill changes.")
    skill, created = Skill.objects.select_for_update().get_or_create(
        annotator=annotator, category=category, defaults={"value": value}
    )
    old = None if created else skill.value
    if not created and skill.value != value:
        skill.value = value
        skill.save(update_fields=["value", "updated_at"])
    logger.info(
        "Skill %s of annotator #%s set %s -> %s by #%s: %s",
        category, annotator.pk, old, value, actor.pk, reason.strip(),
    )  # fmt: skip
    return skill
