"""The rule detector against the crowd's final labels, per category (reads, cached).

The crowd's labels are the final spans of FINAL ordinary tasks in their last round
that validators did not reject; the detector runs on the same snippets. Scores use
`detection.evaluation` (exact and overlap matching), with the crowd as the reference,
as BigCode scored its StarPII model against annotated data. Computing costs one
detector run per snippet, so it is done on request, for at most `MAX_TASKS` snippets,
and cached until the project's final labels change.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, Max

from annotator.detection import detect
from annotator.detection.evaluation import Span, evaluate, match_count
from annotator.projects.models import FinalSpan, Project, Task

MAX_TASKS = 2000
WORST = 10
CACHE_SECONDS = 24 * 3600


def _final_tasks(project: Project):
    return Task.objects.filter(project=project, is_control=False, status=Task.Status.FINAL)


def cache_key(project: Project, limit: int) -> str:
    """Changes whenever a task becomes final or its labels are recomputed."""
    version = _final_tasks(project).aggregate(n=Count("pk"), at=Max("updated_at"))
    stamp = version["at"].timestamp() if version["at"] else 0
    return f"dashboard:detector:{project.pk}:{limit}:{version['n']}:{stamp:.6f}"


def crowd_labels(project: Project, limit: int) -> list[tuple[dict, list[Span]]]:
    tasks = list(
        _final_tasks(project)
        .order_by("pk")
        .values("pk", "round", "snippet_id", "snippet__text", "snippet__source_file__path",
                "snippet__start_line")[:limit]
    )  # fmt: skip
    rounds = {t["pk"]: t["round"] for t in tasks}
    spans: dict[int, list[Span]] = defaultdict(list)
    finals = FinalSpan.objects.filter(task_id__in=rounds).exclude(
        verdict=FinalSpan.Verdict.REJECTED
    )
    for task_id, round_, start, end, category in finals.values_list(
        "task_id", "round", "start", "end", "category"
    ):
        if round_ == rounds[task_id]:
            spans[task_id].append(Span(start, end, category))
    return [(task, spans[task["pk"]]) for task in tasks]


def _detected(text: str) -> list[Span]:
    return [Span(s.start, s.end, s.label) for s in detect(text)]


def compare(project: Project, limit: int = MAX_TASKS) -> dict:
    """Scores per category and the snippets whose crowd spans the detector missed most."""
    pairs, misses = [], []
    for task, crowd in crowd_labels(project, limit):
        found = _detected(task["snippet__text"])
        pairs.append((crowd, found))
        missed = len(crowd) - match_count(crowd, found, exact=False)
        if missed:
            misses.append({
                "task_id": task["pk"], "snippet_id": task["snippet_id"],
                "path": task["snippet__source_file__path"],
                "start_line": task["snippet__start_line"], "missed": missed, "crowd": len(crowd),
            })  # fmt: skip
    scores = evaluate(pairs)
    rows = [
        {"category": category, "exact": scores["exact"][category].as_dict(),
         "overlap": scores["overlap"][category].as_dict()}
        for category in scores["exact"]
    ]  # fmt: skip
    misses.sort(key=lambda m: (-m["missed"], m["task_id"]))
    return {"snippets": len(pairs), "limit": limit, "rows": rows, "worst": misses[:WORST]}


def cached_comparison(project: Project, limit: int = MAX_TASKS) -> dict | None:
    return cache.get(cache_key(project, limit))


def comparison_refresh(project: Project, limit: int = MAX_TASKS) -> dict:
    """Compute and cache (a cache write only: no database row changes)."""
    key = cache_key(project, limit)
    result = compare(project, limit)
    cache.set(key, result, CACHE_SECONDS)
    return result
