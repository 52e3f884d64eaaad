"""Server time of the labeling page and of a submit + next-task swap, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotator \\
        .venv/bin/python benchmarks/labeling_bench.py [--tasks 120]

Creates its own database (labeling_bench_<name>), seeds the demo (40 synthetic files,
two generation projects of 50-line snippets, with control tasks), and then, for
annotators taking turns, times through Django's test client (the whole middleware,
view, ORM and template stack; no network):

* `page`: GET the work page (full HTML), the task already claimed (a reload);
* `claim`: GET the work page when it must claim a new task;
* `span`: POST one span over htmx (re-renders the task partial);
* `submit+next`: POST submit over htmx, which answers with the next task's partial.

Prints p50 / p95 / max in milliseconds per kind. The database is dropped at the end.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup_django, throwaway_database


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


QUERIES: dict[str, list[int]] = {}


def timed(timings: dict, kind: str, call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = call()
        timings.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    QUERIES.setdefault(kind, []).append(len(queries))
    if response.status_code not in (200, 302):
        raise RuntimeError(f"{kind}: HTTP {response.status_code}")
    return response


def run(tasks: int) -> dict[str, list[float]]:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from annotator.accounts.models import User
    from annotator.demo.services import demo_seed
    from annotator.labeling.models import Assignment
    from annotator.projects.models import Project

    demo_seed()
    project = Project.objects.filter(kind=Project.Kind.GENERATION).order_by("pk").first()
    workers = []
    for n in range(6):
        user = User.objects.create_user(f"bench{n}", password="unused-bench-pass")
        user.consented_at = timezone.now()
        user.save()
        client = Client()
        client.force_login(user)
        workers.append((user, client))
    work = reverse("labeling:work", args=[project.pk])
    htmx = {"HX-Request": "true"}
    timings: dict[str, list[float]] = {}
    client = workers[0][1]
    client.get(work)  # warm-up: template loading, lexers, first connection
    for i in range(tasks):
        user, client = workers[i % len(workers)]
        kind = (
            "page"
            if Assignment.objects.filter(annotator=user, status="in_progress").exists()
            else "claim"
        )
        timed(timings, kind, lambda c=client: c.get(work))
        timed(timings, "page", lambda c=client: c.get(work))  # a reload mid-task
        assignment = Assignment.objects.filter(annotator=user, status="in_progress").first()
        if assignment is None:
            continue  # this annotator is out of work (or a quality rule stopped them)
        text = assignment.task.snippet.text
        found = re.search(r"[\w.+-]+@[\w-]+\.\w+", text)
        no_pii = found is None
        if found:
            span = {"start": found.start(), "end": found.end(), "category": "EMAIL"}
            url = reverse("labeling:span-add", args=[assignment.pk])
            timed(timings, "span", lambda c=client, u=url, d=span: c.post(u, d, headers=htmx))
        url = reverse("labeling:submit", args=[assignment.pk])
        data = {"no_pii": "on"} if no_pii else {}
        timed(timings, "submit+next", lambda c=client, u=url, d=data: c.post(u, d, headers=htmx))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=120)
    parser.add_argument("--profile", action="store_true", help="cProfile the run, top 30")
    args = parser.parse_args()
    setup_django()
    with throwaway_database("labeling_bench"):
        if args.profile:
            import cProfile
            import pstats

            with cProfile.Profile() as profile:
                timings = run(args.tasks)
            pstats.Stats(profile).sort_stats("cumulative").print_stats("annotator/", 40)
        else:
            timings = run(args.tasks)
    print(f"{'kind':<12} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for kind, values in timings.items():
        print(
            f"{kind:<12} {len(values):>5} {statistics.median(values):>8.1f} "
            f"{percentile(values, 0.95):>8.1f} {max(values):>8.1f} "
            f"{statistics.median(QUERIES[kind]):>8.0f}"
        )


if __name__ == "__main__":
    main()
