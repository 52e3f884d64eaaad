"""Who may work on which project, and why not (reads only).

    project_access(*, annotator, project) -> AccessDecision

`AccessDecision(allowed: bool, reasons: list[Reason])`: `allowed` is True exactly when
`reasons` is empty. Each `Reason` has a stable `code`, a `message` written for the
annotator (render it as it is), and the facts behind it for pages that want more:

* `consent_missing`: the annotator has not accepted the terms;
* `banned` (rule, sanction_id): a rule or the requester banned them from the project;
* `suspended` (rule, until, sanction_id): a suspension from the project still runs;
* `opted_out` (category): they opted out of one of the project's categories;
* `skill_too_low` (category, value, minimum, quiz_project_id or None): their skill in
  a category is under `project.min_skill`; the quiz project retrains it.

Quiz projects are open to everyone who consented (and is not banned or suspended
there); generation and validation projects also need, in each of their categories, a
skill of at least `project.min_skill` (no skill row counts as 0) and no opt-out.

`accessible_projects(annotator=..., projects=...)` applies the very same rules in one SQL
filter, for lists (`labeling.selectors.projects_for_annotator`); `with_access` annotates
them instead (`access_allowed`), and `access_decision` gives project_access's decision in
one query (none for an annotated project) when access is allowed, the hot path's case.
`AccessRefused` is the `DomainError` that `labeling.services.assignment_next` raises,
carrying the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.projects.models import Project
from annotator.quality.models import Action, Sanction, Skill


@dataclass(frozen=True)
class Reason:
    code: str  # consent_missing | banned | suspended | opted_out | skill_too_low
    message: str
    category: str | None = None
    value: int | None = None
    minimum: int | None = None
    quiz_project_id: int | None = None
    rule: str | None = None
    until: datetime | None = None
    sanction_id: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    reasons: list[Reason] = field(default_factory=list)

    @property
    def message(self) -> str:
        return " ".join(r.message for r in self.reasons)


class AccessRefused(DomainError):
    """The annotator may not take tasks in this project; `decision.reasons` says why."""

    def __init__(self, decision: AccessDecision) -> None:
        super().__init__(decision.message)
        self.decision = decision


def _blocking(now) -> Q:
    """Sanctions that keep an annotator out of a project right now."""
    return Q(lifted_at__isnull=True) & (
        Q(action=Action.BAN) | Q(action=Action.SUSPEND, until__gt=now)
    )


def _sanction_reasons(annotator, project: Project, now) -> list[Reason]:
    reasons = []
    for sanction in Sanction.objects.filter(_blocking(now), annotator=annotator, project=project):
        banned = sanction.action == Action.BAN
        reasons.append(
            Reason(
                code="banned" if banned else "suspended",
                message=sanction.reason,
                rule=sanction.rule,
                until=sanction.until,
                sanction_id=sanction.pk,
            )
        )
    return reasons


def quiz_project_for(*, category: str, near: Project | None = None) -> Project | None:
    """An active quiz project that trains `category`, preferring `near`'s pipeline."""
    quizzes = Project.objects.filter(
        kind=Project.Kind.QUIZ, status=Project.Status.ACTIVE, categories__contains=[category]
    ).order_by("pk")
    if near is not None and near.pipeline_id is not None:
        same = quizzes.filter(pipeline_id=near.pipeline_id).first()
        if same is not None:
            return same
    return quizzes.first()


def _skill_reasons(annotator, project: Project) -> list[Reason]:
    skills = {s.category: s for s in Skill.objects.filter(annotator=annotator)}
    reasons = []
    for category in project.categories:
        label = taxonomy.Category(category).label
        skill = skills.get(category)
        if skill is not None and skill.opted_out:
            reasons.append(
                Reason(
                    code="opted_out",
                    message=f"You opted out of {label}; opt back in to work on this project.",
                    category=category,
                )
            )
            continue
        value = skill.value if skill is not None else 0
        if value < project.min_skill:
            quiz = quiz_project_for(category=category, near=project)
            retrain = f" Retrain in the quiz '{quiz.name}'." if quiz else ""
            reasons.append(
                Reason(
                    code="skill_too_low",
                    message=(
                        f"Your {label} skill is {value}; this project needs "
                        f"{project.min_skill}.{retrain}"
                    ),
                    category=category,
                    value=value,
                    minimum=project.min_skill,
                    quiz_project_id=quiz.pk if quiz else None,
                )
            )
    return reasons


def project_access(*, annotator, project: Project) -> AccessDecision:
    """May `annotator` take tasks in `project`? Every reason why not (see the module doc)."""
    if annotator.consented_at is None:
        reason = Reason(
            code="consent_missing",
            message="Accept the terms (what the labels are for and how you are paid) first.",
        )
        return AccessDecision(allowed=False, reasons=[reason])
    reasons = _sanction_reasons(annotator, project, timezone.now())
    if project.kind != Project.Kind.QUIZ:
        reasons += _skill_reasons(annotator, project)
    return AccessDecision(allowed=not reasons, reasons=reasons)


def _skills_suffice_sql(annotator) -> tuple[str, list]:
    """SQL: each of the project's categories has a skill >= min_skill and no opt-out."""
    project = connection.ops.quote_name(Project._meta.db_table)
    skill = connection.ops.quote_name(Skill._meta.db_table)
    # The project's category list is JSON: PostgreSQL unnests it with
    # jsonb_array_elements_text, the demo's SQLite with json_each.
    if connection.vendor == "postgresql":
        needed = f'jsonb_array_elements_text({project}."categories") AS needed(category)'
        category = "needed.category"
    else:
        needed = f'json_each({project}."categories") AS needed'
        category = "needed.value"
    sql = f"""NOT EXISTS (
            SELECT 1 FROM {needed}
            LEFT JOIN {skill} s ON s."annotator_id" = %s AND s."category" = {category}
            WHERE COALESCE(s."opted_out", false)
               OR COALESCE(s."value", 0) < {project}."min_skill"
        )"""
    return sql, [annotator.pk]


def _access_allowed(annotator) -> RawSQL:
    """SQL: what `project_access` decides for a consenting `annotator` on each project row.

    Written in SQL, not built with the ORM: on the API's hot path building and compiling
    the same condition from Q objects and subqueries cost ~1.5 ms of CPU per request. The
    rules are `_blocking` (no ban, no running suspension) and `_skill_reasons`; the tests
    check this against `project_access` case by case.
    """
    project = connection.ops.quote_name(Project._meta.db_table)
    sanction = connection.ops.quote_name(Sanction._meta.db_table)
    skills, skill_params = _skills_suffice_sql(annotator)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = f"""(NOT EXISTS (
            SELECT 1 FROM {sanction} b
            WHERE b."annotator_id" = %s AND b."project_id" = {project}."id"
              AND b."lifted_at" IS NULL
              AND (b."action" = %s OR (b."action" = %s AND b."until" > %s))
        ) AND ({project}."kind" = %s OR {skills}))"""
    params = [annotator.pk, Action.BAN, Action.SUSPEND, now, Project.Kind.QUIZ, *skill_params]
    return RawSQL(sql, params, output_field=BooleanField())


def accessible_projects(*, annotator, projects: QuerySet[Project]) -> QuerySet[Project]:
    """Narrow `projects` to those `project_access` allows, in one query."""
    if annotator.consented_at is None:
        return projects.none()
    return projects.alias(access_ok=_access_allowed(annotator)).filter(access_ok=True)


def with_access(*, annotator, projects: QuerySet[Project]) -> QuerySet[Project]:
    """`projects`, each annotated `access_allowed`: what `project_access` would decide.

    For a hot path (the API's next task): the lookup of the project and the access check
    in one query; `access_decision` turns the flag into a decision.
    """
    if annotator.consented_at is None:
        return projects.annotate(access_allowed=Value(False))
    return projects.annotate(access_allowed=_access_allowed(annotator))


def access_decision(*, annotator, project: Project) -> AccessDecision:
    """`project_access`, in one query when access is allowed (the usual case).

    Uses `project.access_allowed` when the project came from `with_access`; the reasons
    are only looked up (by `project_access` itself) when access is refused.
    """
    allowed = getattr(project, "access_allowed", None)
    if allowed is None:
        one = with_access(annotator=annotator, projects=Project.objects.filter(pk=project.pk))
        allowed = one.values_list("access_allowed", flat=True).first()
    if allowed:
        return AccessDecision(allowed=True)
    return project_access(annotator=annotator, project=project)
