"""A Dawid-Skene project big enough that its project-wide recompute takes a few seconds."""

from django.utils import timezone

from annotator.catalog.models import Snippet, SourceFile
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import AggregationMethod, FinalSpan, Project, Task
from tests import factories

TEXT = "name = 'Jane Roe'  # jane@corp.test\nhost = '10.0.4.17'\n"


def big_project(requester, *, tasks: int, annotators: int = 3) -> Project:
    """`tasks` finished tasks with one answer per annotator, written in bulk (set-up only)."""
    project = factories.ProjectFactory(
        owner=requester, overlap=annotators, aggregation_method=AggregationMethod.DAWID_SKENE
    )
    crowd = [factories.UserFactory(username=f"crowd{n}") for n in range(annotators)]
    files = SourceFile.objects.bulk_create(
        SourceFile(dataset=project.dataset, path=f"f{n}.py", content=TEXT, line_count=2,
                   content_hash=f"{n:064d}")
        for n in range(tasks)
    )  # fmt: skip
    snippets = Snippet.objects.bulk_create(
        Snippet(dataset=project.dataset, source_file=f, index=0, start_line=1, line_count=2,
                start_offset=0, text=TEXT)
        for f in files
    )  # fmt: skip
    rows = Task.objects.bulk_create(
        Task(project=project, snippet=s, status=Task.Status.FINAL, submitted_count=annotators)
        for s in snippets
    )
    now = timezone.now()
    assignments = Assignment.objects.bulk_create(
        Assignment(task=t, annotator=u, status=Assignment.Status.SUBMITTED,
                   lease_expires_at=now, submitted_at=now)
        for t in rows for u in crowd
    )  # fmt: skip
    annotations = Annotation.objects.bulk_create(Annotation(assignment=a) for a in assignments)
    spans = []
    for n, annotation in enumerate(annotations):
        spans.append(Span(annotation=annotation, start=8, end=16, category="NAME"))
        if n % 3 != 2:  # two of three see the address
            spans.append(Span(annotation=annotation, start=44, end=53, category="IP_ADDRESS"))
        if n % 7 == 0:  # someone calls the address a password now and then
            spans.append(Span(annotation=annotation, start=44, end=53, category="PASSWORD"))
    Span.objects.bulk_create(spans, batch_size=5000)
    return project


def final_spans(project: Project) -> list[tuple]:
    return list(
        FinalSpan.objects.filter(task__project=project)
        .order_by("task_id", "start", "category")
        .values_list("task__snippet__source_file__path", "start", "end", "category",
                     "support", "method")
    )  # fmt: skip
