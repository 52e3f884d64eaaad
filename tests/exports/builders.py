"""A project whose tasks the crowd has finished: real import, real tasks, final spans.

`code_file()` is 120 lines, cut by the real importer into snippets of 50, 50 and 20
lines. A private key straddles the first cut (lines 48-52), so its final span comes in
two halves that the files format must join again.
"""

from dataclasses import dataclass

from django.utils import timezone

from annotator.catalog.importing import FileRecord
from annotator.catalog.models import SourceFile
from annotator.catalog.services import dataset_import
from annotator.projects.models import FinalSpan, Project, Task
from annotator.projects.services import project_add_tasks

KEY_HEAD = "-----BEGIN OPENSSH PRIVATE KEY-----"
KEY_TAIL = "-----END OPENSSH PRIVATE KEY-----"


def code_file(tag: int = 0) -> str:
    lines = [f"value_{n} = compute({n}, tag={tag})" for n in range(120)]
    lines[1] = "# Copyright 2021 Jane Roe <jane.roe@corp.test>"
    lines[10] = "ADMIN = 'John Doe'  # example user, mail john@example.com"
    lines[20] = "HOST = '10.0.4.17'"
    lines[47] = f"KEY = '''{KEY_HEAD}"
    lines[48] = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
    lines[49] = "AAAAMwAAAAtzc2gtZWQyNTUxOQAAACBkZXZkZXZkZXY"
    lines[50] = "ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZGV2ZA"
    lines[51] = f"{KEY_TAIL}'''"
    lines[60] = "PASSWORD = 'hunter2'  # Jane Roe's"
    lines[100] = "contact = 'ops@corp.test'"
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Label:
    """A final span located by its value's first occurrence in the snippet (or explicit)."""

    value: str
    category: str
    context: str = "real"
    confidence: float = 0.9
    verdict: str = FinalSpan.Verdict.PENDING
    start: int | None = None
    end: int | None = None


def import_files(project: Project, count: int = 1) -> list[SourceFile]:
    records = [FileRecord(path=f"src/mod_{n}.py", data=code_file(n)) for n in range(count)]
    dataset_import(dataset=project.dataset, records=records)
    project_add_tasks(project=project)
    return list(SourceFile.objects.filter(dataset=project.dataset).order_by("path"))


def tasks_of(source_file: SourceFile, project: Project) -> list[Task]:
    return list(
        Task.objects.filter(project=project, snippet__source_file=source_file)
        .select_related("snippet")
        .order_by("snippet__index")
    )


def finalise(task: Task, labels=(), *, validation: str = "", round_: int = 1) -> Task:
    """Mark the task final for `round_` with these labels as its final spans."""
    text = task.snippet.text
    for label in labels:
        start = text.index(label.value) if label.start is None else label.start
        end = start + len(label.value) if label.end is None else label.end
        FinalSpan.objects.create(
            task=task,
            start=start,
            end=end,
            category=label.category,
            context=label.context,
            confidence=label.confidence,
            support=2,
            method="majority",
            round=round_,
            verdict=label.verdict,
        )
    task.status, task.aggregated_at = Task.Status.FINAL, timezone.now()
    task.validation, task.round = validation, round_
    task.save()
    return task


def key_halves(tasks: list[Task]) -> tuple[Label, Label]:
    """The private key's two halves: to the end of snippet 0, from the start of snippet 1."""
    head_text, tail_text = tasks[0].snippet.text, tasks[1].snippet.text
    start = head_text.index(KEY_HEAD)
    head = Label(head_text[start:], "KEY", start=start, end=len(head_text))
    end = tail_text.index(KEY_TAIL) + len(KEY_TAIL)
    return head, Label(tail_text[:end], "KEY", start=0, end=end)


def labeled_project(project: Project, files: int = 1) -> dict:
    """Import `files` copies of code_file and finalise every task with its PII labeled."""
    sources = import_files(project, files)
    for source in sources:
        head, middle, tail = tasks_of(source, project)
        first, second = key_halves([head, middle])
        finalise(
            head,
            [
                Label("Jane Roe", "NAME", "license", 0.95),
                Label("jane.roe@corp.test", "EMAIL", "license", 0.9),
                Label("John Doe", "NAME", "placeholder", 0.8),
                Label("john@example.com", "EMAIL", "placeholder", 0.55),
                Label("10.0.4.17", "IP_ADDRESS", confidence=0.7),
                first,
            ],
            validation=Task.Validation.ACCEPTED,
        )
        finalise(
            middle,
            [second, Label("hunter2", "PASSWORD", confidence=0.65), Label("Jane Roe", "NAME")],
        )
        finalise(tail, [Label("ops@corp.test", "EMAIL", confidence=0.99)])
    return {"sources": sources}
