"""Reads behind the API: access-scoped querysets and the numbers of the stats endpoints.

Scoping rule: requesters see their own datasets, projects and jobs; admins (role or
superuser) see everyone's. Annotators reach no requester resource at all (IsRequester).
"""

from django.db.models import Avg, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from annotator.accounts.models import User
from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core.models import Job
from annotator.core.progress import progress_get
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import Project, Task
from annotator.quality.models import LedgerEntry, Skill

AGREEMENT_NOTE = (
    "Agreement is not computed yet: it arrives with the quality engine (aggregation). "
    "Until then every category reads null."
)


def _sees_everything(user: User) -> bool:
    return user.is_superuser or user.role == User.Role.ADMIN


def _count_of(model, **filters) -> Subquery:
    rows = model.objects.filter(**filters).order_by().values(*filters).annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


def datasets_for_requester(user: User) -> QuerySet[Dataset]:
    datasets = Dataset.objects.all() if _sees_everything(user) else user.datasets.all()
    # Subqueries, not joined Counts: a files x snippets join grows with the dataset.
    return datasets.annotate(
        file_count=_count_of(SourceFile, dataset=OuterRef("pk")),
        snippet_count=_count_of(Snippet, dataset=OuterRef("pk")),
    ).order_by("pk")


def projects_for_requester(user: User) -> QuerySet[Project]:
    projects = Project.objects.all() if _sees_everything(user) else user.projects.all()
    return projects.annotate(task_count=_count_of(Task, project=OuterRef("pk"))).order_by("pk")


def jobs_for_user(user: User) -> QuerySet[Job]:
    return Job.objects.all() if _sees_everything(user) else Job.objects.filter(owner=user)


def snippets_of(dataset: Dataset) -> QuerySet[Snippet]:
    return (
        Snippet.objects.filter(dataset=dataset)
        .annotate(path=F("source_file__path"))
        .only("id", "start_line", "line_count", "text")
        .order_by("source_file_id", "index")
    )


def annotators_for_requester(user: User) -> QuerySet[User]:
    """The crowd is shared: every requester may look up any annotator."""
    return User.objects.filter(role=User.Role.ANNOTATOR).prefetch_related("skills")


def job_view(job: Job) -> dict:
    """The job row, with live counters from the cache while it runs."""
    live = progress_get(job.pk) if not job.is_finished else None
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": live.fraction if live else job.progress,
        "progress_detail": vars(live) if live else None,
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def project_stats(project: Project) -> dict:
    S = Assignment.Status
    tasks = project.tasks.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=Task.Status.OPEN)),
        complete=Count("pk", filter=Q(status=Task.Status.COMPLETE)),
        final=Count("pk", filter=Q(status=Task.Status.FINAL)),
        control=Count("pk", filter=Q(is_control=True)),
    )
    assignments = Assignment.objects.filter(task__project=project).aggregate(
        submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
        in_progress=Count("pk", filter=Q(status=S.IN_PROGRESS)),
        skipped=Count("pk", filter=Q(status=S.SKIPPED)),
        expired=Count("pk", filter=Q(status=S.EXPIRED)),
    )
    annotations = Annotation.objects.filter(assignment__task__project=project)
    quality = annotations.aggregate(
        annotators=Count("assignment__annotator", distinct=True),
        no_pii=Count("pk", filter=Q(no_pii=True)),
        problem_reports=Count("pk", filter=~Q(problem="")),
        mean_time_spent_ms=Avg("time_spent_ms", filter=Q(problem="")),
    )
    quality["spans"] = Span.objects.filter(annotation__in=annotations).count()
    done = tasks["complete"] + tasks["final"]
    return {
        "project": project.pk,
        "status": project.status,
        "progress": done / tasks["total"] if tasks["total"] else 0.0,
        "tasks": tasks,
        "assignments": assignments,
        "quality": quality,
        "agreement": dict.fromkeys(project.categories),
        "agreement_available": False,
        "agreement_note": AGREEMENT_NOTE,
        "aggregation_up_to_date": tasks["complete"] == 0,
    }


def skills_of(user: User) -> dict[str, int]:
    return {s.category: s.value for s in Skill.objects.filter(annotator=user, opted_out=False)}


def annotator_profile(user: User) -> dict:
    S = Assignment.Status
    counts = user.assignments.aggregate(
        submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
        skipped=Count("pk", filter=Q(status=S.SKIPPED) & Q(annotation__isnull=True)),
        expired=Count("pk", filter=Q(status=S.EXPIRED)),
        problem_reports=Count("pk", filter=~Q(annotation__problem="")),
    )
    if not user.is_active:
        status = "disabled"
    elif user.consented_at is None:
        status = "awaiting_consent"
    else:
        status = "active"
    return {
        "id": user.pk,
        "username": user.username,
        "role": user.role,
        "status": status,
        "skills": skills_of(user),
        "quality": {**counts, "control_accuracy": None},
        "date_joined": user.date_joined,
    }


def me_profile(user: User) -> dict:
    by_kind = dict(
        LedgerEntry.objects.filter(annotator=user)
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("amount_cents"))
    )
    return {
        "id": user.pk,
        "username": user.username,
        "role": user.role,
        "skills": skills_of(user),
        "earnings": {"total_cents": sum(by_kind.values()), "by_kind": by_kind},
    }


def task_payload(assignment: Assignment) -> dict:
    """The assignment as an annotator may see it: never gold spans, never is_control."""
    task = assignment.task
    snippet = task.snippet
    return {
        "id": assignment.pk,
        "task": {
            "id": task.pk,
            "path": snippet.source_file.path,
            "language": snippet.source_file.language,
            "start_line": snippet.start_line,
            "end_line": snippet.end_line,
            "text": snippet.text,
            "categories": list(task.project.categories),
        },
        "expires_at": assignment.lease_expires_at,
        "draft_spans": assignment.draft_spans,
    }


def snippets_by_id(dataset: Dataset, ids: list[int]) -> dict[int, Snippet]:
    """The dataset's snippets among `ids`; ids of other datasets are simply absent."""
    return {snippet.pk: snippet for snippet in Snippet.objects.filter(dataset=dataset, pk__in=ids)}
