"""Export speed: the streamed exports of a project of 12,000 tasks x overlap 3.

Not a test. Run from the repository root:

    .venv/bin/python benchmarks/export_bench.py                  # 12,000 tasks, every export
    .venv/bin/python benchmarks/export_bench.py --tasks 2000     # quick look
    .venv/bin/python benchmarks/export_bench.py --exports raw    # only the raw JSONL export

It (re)creates its own database (`annotator_export` on the server of DATABASE_URL,
default postgres://postgres@127.0.0.1:5432), migrates it and seeds a project: 3,000
code files of 200 lines cut into 12,000 snippets, each task answered by 3 of 30
annotators with 2 spans each, and every task finalised with 2 final spans (rows written
in bulk: the seeding is not what is timed). Then it times
`GET /api/v1/projects/{id}/export?format=...&kind=...` through Django's test client (the
whole view: auth, the streamed response, reading every chunk) for the raw JSONL export
and each aggregated format (jsonl, bio, bigcode, files), and once the export job that
writes the aggregated JSONL to a file, and prints snippets/s and MB/s. The database is
dropped at the end unless --keep-db.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OVERLAP = 3
LINES_PER_FILE = 200
EXPORTS = {
    "raw": "format=jsonl&kind=raw",
    "jsonl": "format=jsonl&kind=aggregated",
    "bio": "format=bio&kind=aggregated",
    "bigcode": "format=bigcode&kind=aggregated",
    "files": "format=files&kind=aggregated",
}


def code_file(n: int) -> str:
    lines = []
    for i in range(LINES_PER_FILE):
        if i % 25 == 3:
            lines.append(f'AUTHOR_{i} = "Ada Lovelace{n}"  # contact ada{n}@example.org')
        else:
            lines.append(f"    total_{i} = compute(items[{i}], limit={n % 97})")
    return "\n".join(lines) + "\n"


def seed(tasks: int) -> int:
    import django

    django.setup()
    from django.utils import timezone

    from annotator.accounts.models import User
    from annotator.catalog.importing import FileRecord
    from annotator.catalog.services import dataset_create, dataset_import
    from annotator.labeling.models import Annotation, Assignment, Span
    from annotator.projects.models import Task
    from annotator.projects.services import project_add_tasks, project_create

    requester = User.objects.create(username="export-requester", role=User.Role.REQUESTER)
    dataset = dataset_create(owner=requester, name="export")
    files = tasks // (LINES_PER_FILE // 50)
    dataset_import(
        dataset=dataset,
        records=[FileRecord(path=f"src/m{n:05d}.py", data=code_file(n)) for n in range(files)],
    )
    project = project_create(
        owner=requester, dataset=dataset, name="export", categories=["NAME", "EMAIL"]
    )
    project_add_tasks(project=project)
    crowd = User.objects.bulk_create(User(username=f"export-{n:02d}") for n in range(30))
    now = timezone.now()
    task_ids = list(Task.objects.filter(project=project).values_list("pk", flat=True))
    assignments = Assignment.objects.bulk_create(
        (
            Assignment(task_id=t, annotator=crowd[(i + k * 7) % len(crowd)], status="submitted",
                       lease_expires_at=now, submitted_at=now)
            for i, t in enumerate(task_ids)
            for k in range(OVERLAP)
        ),
        batch_size=5000,
    )  # fmt: skip
    annotations = Annotation.objects.bulk_create(
        (Annotation(assignment=a, time_spent_ms=20_000) for a in assignments), batch_size=5000
    )
    Span.objects.bulk_create(
        (
            Span(annotation=a, start=s, end=s + 12, category=c, context="real")
            for a in annotations
            for s, c in ((180, "NAME"), (215, "EMAIL"))
        ),
        batch_size=10000,
    )
    Task.objects.filter(project=project).update(submitted_count=OVERLAP, status="complete")
    finalise(task_ids, now)
    return project.pk


def finalise(task_ids: list[int], now) -> None:
    """What aggregation leaves behind: every task final with the spans the crowd agreed on."""
    from annotator.projects.models import FinalSpan, Task

    FinalSpan.objects.bulk_create(
        (
            FinalSpan(task_id=t, start=s, end=s + 12, category=c, context=x, confidence=0.9,
                      support=OVERLAP, method="majority", round=1)
            for t in task_ids
            for s, c, x in ((180, "NAME", "license"), (215, "EMAIL", "placeholder"))
        ),
        batch_size=10000,
    )  # fmt: skip
    Task.objects.filter(pk__in=task_ids).update(
        status="final", aggregated_at=now, aggregation_method="majority"
    )


def time_export(project_id: int, query: str) -> tuple[int, int, float]:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from annotator.accounts.models import User
    from annotator.projects.models import Project

    owner = User.objects.get(username="export-requester")
    token, _ = Token.objects.get_or_create(user=owner)
    assert Project.objects.filter(pk=project_id, owner=owner).exists()
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    snippets = Project.objects.get(pk=project_id).tasks.count()  # every task is exported
    began = time.perf_counter()
    response = client.get(f"/api/v1/projects/{project_id}/export?{query}")
    assert response.status_code == 200, response
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    return snippets, size, time.perf_counter() - began


def time_job(project_id: int) -> tuple[int, int, float]:
    """The export job (aggregated JSONL to a file under MEDIA_ROOT), called directly."""
    from annotator.accounts.models import User
    from annotator.exports import services
    from annotator.exports.spec import export_spec
    from annotator.projects.models import Project

    owner = User.objects.get(username="export-requester")
    project = Project.objects.get(pk=project_id)
    job = services.export_start(
        owner=owner, project=project, spec=export_spec(format="jsonl", kind="aggregated")
    )
    began = time.perf_counter()
    job = services.export_build(job=job)
    seconds = time.perf_counter() - began
    assert job.status == "done", job.error
    return job.result["snippets"], job.result["size"], seconds


def tuple_rows(project_id: int, chunk: int = 2000):
    """A sketch of a leaner selector, for comparison only: plain tuples per chunk of
    tasks (values_list), no model instances, same TaskRow output as the real one."""
    from collections import defaultdict

    from annotator.exports.formats import AnnotationRow, SpanRow, TaskRow, gold_span_rows
    from annotator.labeling.models import Annotation, Span
    from annotator.projects.models import Project, Task

    project = Project.objects.select_related("dataset").get(pk=project_id)
    task_fields = (
        "pk", "snippet_id", "snippet__source_file__path", "snippet__source_file__language",
        "snippet__source_file__license", "snippet__source_file__repository",
        "snippet__start_line", "snippet__line_count", "snippet__start_offset", "snippet__text",
        "is_control", "gold_spans",
    )  # fmt: skip
    tasks = Task.objects.filter(project=project).order_by("pk").values_list(*task_fields)
    batch: list[tuple] = []
    for row in tasks.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) == chunk:
            yield from _tuple_batch(project, batch, Annotation, Span, AnnotationRow, SpanRow,
                                    TaskRow, gold_span_rows, defaultdict)  # fmt: skip
            batch = []
    if batch:
        yield from _tuple_batch(project, batch, Annotation, Span, AnnotationRow, SpanRow,
                                TaskRow, gold_span_rows, defaultdict)  # fmt: skip


def _tuple_batch(project, batch, Annotation, Span, AnnotationRow, SpanRow, TaskRow, gold, dd):
    ids = [row[0] for row in batch]
    answers = Annotation.objects.filter(assignment__task_id__in=ids).values_list(
        "pk", "assignment__task_id", "assignment__annotator_id", "no_pii", "problem",
        "assignment__submitted_at", "created_at", "time_spent_ms",
    )  # fmt: skip
    spans = dd(list)
    for annotation, *rest in Span.objects.filter(
        annotation__assignment__task_id__in=ids
    ).values_list("annotation_id", "start", "end", "category", "context"):
        spans[annotation].append(SpanRow(*rest))
    by_task = dd(list)
    for pk, task, annotator, no_pii, problem, submitted, created, spent in answers:
        by_task[task].append(
            AnnotationRow(pk, annotator, no_pii, problem, submitted or created, spent,
                          tuple(spans[pk]))
        )  # fmt: skip
    for pk, snippet, path, lang, lic, repo, start, lines, offset, text, control, g in batch:
        yield TaskRow(
            task_id=pk, snippet_id=snippet, dataset=project.dataset.name, path=path,
            language=lang, license=lic, repository=repo, start_line=start,
            end_line=start + lines - 1, start_offset=offset, text=text, is_control=control,
            gold_spans=gold(g) if control else (), annotations=tuple(by_task[pk]),
        )  # fmt: skip


def time_selectors(project_id: int) -> None:
    """The JSONL lines alone (no HTTP), from today's selector and from the sketch."""
    from annotator.exports.formats import jsonl_lines
    from annotator.exports.selectors import project_export_rows
    from annotator.projects.models import Project

    project = Project.objects.get(pk=project_id)
    for name, rows in (
        ("exports.selectors.project_export_rows", lambda: project_export_rows(project=project)),
        ("tuple sketch (this file)", lambda: tuple_rows(project_id)),
    ):
        began = time.perf_counter()
        lines = sum(1 for _ in jsonl_lines(rows()))
        seconds = time.perf_counter() - began
        print(f"  {name}: {lines} lines in {seconds:.2f} s = {lines / seconds:,.0f} snippets/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=12_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="annotator_export")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--compare", action="store_true", help="Also time the selector against a sketch."
    )
    parser.add_argument(
        "--exports", default="raw,jsonl,bio,bigcode,files,job",
        help=f"comma-separated, among {', '.join(EXPORTS)}, job",
    )  # fmt: skip
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.db_server}/{args.db_name}",
        "DEBUG": "0",
        "SECRET_KEY": "export-benchmark-only",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "100000/minute",
        "DJANGO_SETTINGS_MODULE": "annotator.settings",
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", "/tmp/export-bench-media"),
    }
    env.pop("REDIS_URL", None)  # throttle counters in local memory: the database is timed
    os.environ.clear()
    os.environ.update(env)
    with psycopg.connect(f"{args.db_server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db_name}"')
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
        began = time.perf_counter()
        project_id = seed(args.tasks)
        print(f"Seeded {args.tasks} tasks x {OVERLAP} in {time.perf_counter() - began:.1f} s")
        for name in args.exports.split(","):
            runs = 1 if name == "job" else args.runs
            for run in range(1, runs + 1):
                if name == "job":
                    snippets, size, seconds = time_job(project_id)
                else:
                    snippets, size, seconds = time_export(project_id, EXPORTS[name])
                print(
                    f"{name} run {run}: {snippets} snippets, {size / 1e6:.1f} MB in "
                    f"{seconds:.2f} s = {snippets / seconds:,.0f} snippets/s, "
                    f"{size / 1e6 / seconds:.1f} MB/s (load average {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
        if args.compare:
            time_selectors(project_id)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            with psycopg.connect(f"{args.db_server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
