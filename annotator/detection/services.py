"""Redaction runs and detector training: every write of the detection app.

A run is planned once (one `RedactionItem` per file or JSONL record, in input order) and
then worked off in batches, in-process or as Celery jobs. Resumability rests on three rules:

1. an item's output is written to a temporary file and renamed into place before the item
   is marked done, so a crash leaves either no output or a whole one;
2. a batch only touches items still pending (or failed), so a done item is never redone,
   however often a batch is delivered;
3. outputs are computed from the input alone, so redoing an item whose output was renamed
   but not yet marked done writes the very same bytes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from functools import lru_cache, partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from annotator.catalog import importing
from annotator.catalog.models import SourceFile
from annotator.core.exceptions import DomainError
from annotator.detection import model, redaction
from annotator.detection.jobs import redact_batch as redact_batch_job
from annotator.detection.models import RedactionItem, RedactionRun
from annotator.detection.types import DetectedSpan
from annotator.projects.models import FinalSpan, Project, Task

PLAN_CHUNK = 2000
# A failed item (a malformed record) is not retried within a run, only by a resume.
TODO = (RedactionItem.Status.PENDING,)


# --- Creating and planning a run ---------------------------------------------------------


def redaction_run_create(
    *,
    input_path: Path,
    output_path: Path,
    labels: str = RedactionRun.Labels.DETECTOR,
    project: Project | None = None,
    keep: Iterable[str] = (),
    report_path: Path | None = None,
    model_path: Path | None = None,
    owner=None,
    limits: importing.Limits | None = None,
) -> RedactionRun:
    """Check the options, walk the input once (refusing a hostile archive) and plan the run."""
    input_path, output_path = Path(input_path).resolve(), Path(output_path).resolve()
    kind = redaction.input_kind(input_path)
    keep = sorted(set(keep))
    _check_options(kind, input_path, output_path, labels, project, keep)
    report = Path(report_path or output_path.with_name(output_path.name + ".report.json"))
    with transaction.atomic():
        run = RedactionRun.objects.create(
            owner=owner,
            input_path=str(input_path),
            input_kind=kind,
            output_path=str(output_path),
            report_path=str(report.resolve()),
            labels=labels,
            project=project,
            keep=keep,
            model_path=str(model_path or ""),
        )
        _plan(run, input_path, limits or importing.Limits())
    return run


def _check_options(kind, input_path, output_path, labels, project, keep) -> None:
    unknown = set(keep) - redaction.KEEPABLE_CONTEXTS
    if unknown:
        raise DomainError(f"--keep takes license and/or placeholder, not {', '.join(unknown)}.")
    if labels == RedactionRun.Labels.PROJECT and project is None:
        raise DomainError("--labels project needs --project.")
    if output_path == input_path or input_path in output_path.parents:
        raise DomainError("The output must not be inside the input.")
    if output_path.exists() and (output_path.is_file() or any(output_path.iterdir())):
        raise DomainError(f"{output_path} already exists: choose a new output (or --resume).")


def _plan(run: RedactionRun, input_path: Path, limits: importing.Limits) -> None:
    chunk: list[RedactionItem] = []
    for planned in redaction.plan_items(input_path, limits):
        chunk.append(
            RedactionItem(
                run=run,
                key=planned.key,
                position=planned.position,
                offset=planned.offset,
                status=RedactionItem.Status.SKIPPED
                if planned.skip
                else RedactionItem.Status.PENDING,
                skip_reason=planned.skip,
            )
        )
        if len(chunk) >= PLAN_CHUNK:
            RedactionItem.objects.bulk_create(chunk)
            chunk = []
    RedactionItem.objects.bulk_create(chunk)


# --- Working a run off -------------------------------------------------------------------


def redaction_run_execute(*, run: RedactionRun, batch_size: int = 200) -> RedactionRun:
    """Redact every item still to do, in this process (also how a crashed run resumes)."""
    _set_status(run, RedactionRun.Status.RUNNING)
    while batch := list(run.items.filter(status__in=TODO).order_by("position")[:batch_size]):
        redaction_batch_run(run=run, item_ids=[item.pk for item in batch], finish=False)
    return redaction_run_finish(run=run)


def redaction_run_enqueue(*, run: RedactionRun, batch_size: int = 200) -> list[list[int]]:
    """Split the items still to do into batches, one Celery job each (on commit)."""
    _set_status(run, RedactionRun.Status.RUNNING)
    ids = list(run.items.filter(status__in=TODO).order_by("position").values_list("pk", flat=True))
    batches = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
    for batch in batches:
        transaction.on_commit(partial(redact_batch_job.delay, run.pk, batch))
    if not batches:
        transaction.on_commit(partial(redact_batch_job.delay, run.pk, []))  # just finish it
    return batches


def redaction_batch_run(*, run: RedactionRun, item_ids: Sequence[int], finish: bool = True) -> int:
    """Redact the items of `item_ids` that are still to do; returns how many were done.

    Safe to run twice, even at the same time: outputs are renamed into place with the
    same bytes, and an item is marked done by a conditional UPDATE. No transaction spans
    the batch, so each finished file stays finished whatever happens to the next one.
    """
    run.refresh_from_db(fields=["status"])
    if run.status == RedactionRun.Status.DONE:
        return 0
    items = list(run.items.filter(pk__in=item_ids, status__in=TODO).order_by("position"))
    done = _process(run, items) if items else 0
    if finish:
        redaction_run_finish(run=run)
    return done


def _process(run: RedactionRun, items: list[RedactionItem]) -> int:
    """Redact `items`; an input or output that fails stops the run (DomainError)."""
    limits, keep = importing.Limits(), frozenset(run.keep)
    jsonl = run.input_kind == redaction.JSONL
    lines: list[bytes] = []
    rows: list[RedactionItem] = []
    try:
        read = redaction.read_items(
            Path(run.input_path), [(i.key, i.offset) for i in items], limits
        )
        for row, item in zip(items, read, strict=True):
            data = _redact_item(run, row, item, keep)
            if data is not None and jsonl:
                lines.append(redaction.part_line(row.position, data))
            elif data is not None:
                target = redaction.output_path(Path(run.output_path), row.key)
                redaction.write_atomically(target, data)
            if jsonl:
                rows.append(row)
            else:
                _save_items([row])  # this file is finished, whatever happens next
        if lines:
            part = redaction.part_path(Path(run.output_path), items[0].position)
            redaction.write_atomically(part, b"".join(lines))
    except (OSError, importing.ImportFailure) as exc:
        RedactionRun.objects.filter(pk=run.pk).update(
            status=RedactionRun.Status.FAILED, error=f"{exc}", updated_at=timezone.now()
        )
        raise DomainError(f"Redaction run #{run.pk} stopped: {exc}") from exc
    _save_items(rows)
    return sum(1 for row in items if row.status == RedactionItem.Status.DONE)


def _redact_item(run: RedactionRun, row: RedactionItem, item, keep) -> bytes | None:
    """Set the row's outcome; return the bytes to write, or None when nothing is written."""
    row.attempts += 1
    if item.error:
        row.status, row.error = RedactionItem.Status.FAILED, item.error
        return None
    spans = None if item.text is None else spans_for(run, item.text)
    if item.text is None or spans is None:
        row.status = RedactionItem.Status.SKIPPED
        row.skip_reason = item.skip or redaction.UNLABELED
        return None
    text = item.text
    if run.labels == RedactionRun.Labels.PROJECT and "\r" in text:
        # Project offsets are on the imported (LF) text, so the output keeps LF endings.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    redacted, counts = redaction.redact_text(text, spans, keep=keep)
    row.status, row.error = RedactionItem.Status.DONE, ""
    row.counts, row.size = counts.as_dict(), len(text)
    return redaction.encode_item(item, redacted)


def _save_items(rows: list[RedactionItem]) -> None:
    """Record outcomes, only over items still to do (a twin delivery may have won)."""
    now = timezone.now()
    for row in rows:
        RedactionItem.objects.filter(pk=row.pk, status__in=TODO).update(
            status=row.status,
            skip_reason=row.skip_reason,
            error=row.error,
            counts=row.counts,
            size=row.size,
            attempts=row.attempts,
            updated_at=now,
        )


def redaction_run_resume(*, run: RedactionRun) -> RedactionRun:
    """Make a stopped run's failed items pending again; the caller then executes or enqueues."""
    if run.status == RedactionRun.Status.DONE:
        raise DomainError(f"Redaction run #{run.pk} has already finished.")
    run.items.filter(status=RedactionItem.Status.FAILED).update(
        status=RedactionItem.Status.PENDING, error="", updated_at=timezone.now()
    )
    return run


def _set_status(run: RedactionRun, status: str) -> None:
    if run.status == RedactionRun.Status.DONE:
        raise DomainError(f"Redaction run #{run.pk} has already finished.")
    run.status, run.error = status, ""
    run.save(update_fields=["status", "error", "updated_at"])


# --- Finishing ---------------------------------------------------------------------------


def redaction_run_finish(*, run: RedactionRun) -> RedactionRun:
    """Once nothing is left to do: join a JSONL's parts and write the report. Idempotent."""
    with transaction.atomic():
        run = RedactionRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RedactionRun.Status.DONE or run.items.filter(status__in=TODO).exists():
            return run
        if run.input_kind == redaction.JSONL:
            redaction.join_parts(Path(run.output_path))
        else:
            Path(run.output_path).mkdir(parents=True, exist_ok=True)
        run.report = redaction_run_report(run=run)
        redaction.write_atomically(Path(run.report_path), json.dumps(run.report, indent=2).encode())
        run.status, run.finished_at, run.error = RedactionRun.Status.DONE, timezone.now(), ""
        run.save(update_fields=["status", "report", "finished_at", "error", "updated_at"])
    return run


def redaction_run_report(*, run: RedactionRun) -> dict:
    """Counts per category and per item outcome, computed from the items (a read)."""
    totals = redaction.Counts()
    by_status: dict[str, int] = {}
    skipped: dict[str, int] = {}
    size = 0
    rows = run.items.values_list("status", "skip_reason", "counts", "size")
    for status, reason, counts, chars in rows.iterator(chunk_size=2000):
        by_status[status] = by_status.get(status, 0) + 1
        if status == RedactionItem.Status.SKIPPED:
            skipped[reason] = skipped.get(reason, 0) + 1
        totals.replaced.update((counts or {}).get("replaced", {}))
        totals.kept.update((counts or {}).get("kept", {}))
        size += chars
    return {
        "run": run.pk,
        "input": run.input_path,
        "output": run.output_path,
        "labels": run.labels,
        "project": run.project_id,
        "keep": run.keep,
        "files_processed": by_status.get(RedactionItem.Status.DONE, 0),
        "files_skipped": dict(sorted(skipped.items())),
        "files_failed": by_status.get(RedactionItem.Status.FAILED, 0),
        "characters": size,
        **totals.as_dict(),
    }


def redaction_run_progress(*, run: RedactionRun) -> dict[str, int]:
    """Items per status, for the command's progress line and a resumed run."""
    counts = dict.fromkeys(RedactionItem.Status.values, 0)
    for status, n in _status_counts(run):
        counts[status] = n
    return counts


def _status_counts(run: RedactionRun):
    return run.items.values_list("status").annotate(n=Count("pk")).order_by()


# --- Where the spans come from -----------------------------------------------------------


def spans_for(run: RedactionRun, text: str) -> list[DetectedSpan] | None:
    """The spans to redact in a file, or None when the project has no labels for it."""
    if run.labels == RedactionRun.Labels.PROJECT:
        return project_file_spans(project_id=run.project_id, text=text)
    from annotator.detection.combined import detect_combined

    return detect_combined(text, model=_load_model(run.model_path) if run.model_path else None)


@lru_cache(maxsize=4)
def _load_model(path: str):
    from annotator.detection import model

    return model.load(Path(path))


def project_file_spans(*, project_id: int, text: str) -> list[DetectedSpan] | None:
    """A file's final crowd labels, mapped from its snippets to file offsets.

    The file is found by the importer's content hash. None when the dataset lacks the
    file or any of its snippets has no final task: half-labeled files are not redacted.
    """
    project = Project.objects.only("dataset_id").get(pk=project_id)
    source = SourceFile.objects.filter(
        dataset_id=project.dataset_id, content_hash=redaction.normalised_hash(text)
    ).first()
    if source is None:
        return None
    snippets = dict(source.snippets.values_list("pk", "start_offset"))
    tasks = Task.objects.filter(
        project_id=project_id, snippet_id__in=snippets, status=Task.Status.FINAL
    )
    rounds = dict(tasks.values_list("pk", "round"))
    if len(rounds) < len(snippets):
        return None
    return [
        DetectedSpan(start + snippets[snippet], end + snippets[snippet], category, context)
        for task_id, snippet, start, end, category, context in final_label_rows(rounds)
    ]


def final_label_rows(rounds: dict[int, int]):
    """(task, snippet, start, end, category, context) of the tasks' current-round spans,
    except those the validation chain rejected."""
    spans = (
        FinalSpan.objects.filter(task_id__in=rounds)
        .exclude(verdict=FinalSpan.Verdict.REJECTED)
        .values_list("task_id", "task__snippet_id", "start", "end", "category", "context", "round")
    )
    return [row[:6] for row in spans if row[6] == rounds[row[0]]]


# --- Training the detector model -----------------------------------------------------------


def project_training_examples(*, project: Project) -> list[model.Example]:
    """A project's final crowd labels as examples: one per finished snippet, grouped by file
    so a file's snippets stay on one side of the held-out split."""
    tasks = Task.objects.filter(project=project, status=Task.Status.FINAL).select_related("snippet")
    tasks = list(tasks.only("pk", "round", "snippet__text", "snippet__source_file_id"))
    spans: dict[int, list] = {task.pk: [] for task in tasks}
    categories = set(project.categories)
    for task_id, _, start, end, category, context in final_label_rows(
        {t.pk: t.round for t in tasks}
    ):
        if category in categories:  # AMBIGUOUS is not a label to learn
            spans[task_id].append((start, end, category, context))
    return [
        model.Example(
            task.snippet.text, tuple(sorted(spans[task.pk])), f"file:{task.snippet.source_file_id}"
        )
        for task in tasks
    ]


def detector_train(
    *,
    examples: Sequence[model.Example],
    categories: Sequence[str],
    name: str,
    folder: Path | None = None,
    test_share: float = 0.25,
    seed: int = 0,
    max_iterations: int = 100,
) -> tuple[Path, dict]:
    """Train on a split of `examples`, score rules / model / both on the held-out part,
    and save the model with its metrics. Returns (model path, metrics)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise DomainError("A model name uses letters, digits, '.', '_' and '-' only.")
    train_set, held_out = model.split_examples(examples, test_share=test_share, seed=seed)
    if not train_set or not held_out:
        raise DomainError("Too few labeled files to hold some out: label more snippets first.")
    started = time.perf_counter()
    trained = model.train(train_set, categories=categories, max_iterations=max_iterations)
    seconds = time.perf_counter() - started
    trained.metrics = {
        "name": name,
        "trained_at": timezone.now().isoformat(),
        "sklearn_crfsuite": _version("sklearn-crfsuite"),
        "categories": sorted(categories),
        "train_examples": len(train_set),
        "held_out_examples": len(held_out),
        "train_characters": sum(len(e.text) for e in train_set),
        "train_seconds": round(seconds, 2),
        **detector_compare(model_=trained, examples=held_out),
    }
    folder = Path(folder or Path(settings.MEDIA_ROOT) / "models")
    path = model.save(trained, folder / f"{name}.joblib")
    metrics_path = folder / f"{name}.metrics.json"
    redaction.write_atomically(metrics_path, json.dumps(trained.metrics, indent=2).encode())
    return path, trained.metrics


def detector_compare(*, model_: model.DetectorModel, examples: Sequence[model.Example]) -> dict:
    """Held-out scores of the rules alone, the model alone and both, plus the F1 gain."""
    from annotator.detection import detect
    from annotator.detection.combined import detect_combined

    categories = model_.categories
    rules = model.score(examples, detect, categories)
    alone = model.score(examples, model_.predict, categories)
    both = model.score(examples, lambda text: detect_combined(text, model_), categories)
    gain = {
        mode: {
            category: round(
                both[mode][category]["f1"] - rules[mode].get(category, {"f1": 0})["f1"], 4
            )
            for category in both[mode]
        }
        for mode in ("exact", "overlap")
    }
    return {"rules": rules, "model": alone, "rules_and_model": both, "f1_gain": gain}


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def examples_from_jsonl(path: Path) -> tuple[list[model.Example], list[str]]:
    """Read `{"text", "spans": [{start, end, category|label, context}]}` records."""
    from annotator.detection.evaluation import normalise_category

    examples, categories = [], set()
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                spans = tuple(
                    sorted(
                        (
                            int(s["start"]),
                            int(s["end"]),
                            normalise_category(s.get("category") or s["label"]),
                            s.get("context") or "real",
                        )
                        for s in record.get("spans") or []
                    )
                )
                text = record["text"]
            except (ValueError, KeyError, TypeError) as exc:
                raise DomainError(
                    f"{Path(path).name}:{number}: malformed record ({exc})."
                ) from None
            spans = tuple(s for s in spans if s[2] != "AMBIGUOUS")
            categories.update(s[2] for s in spans)
            group = str(record.get("group") or record.get("path") or record.get("id") or number)
            examples.append(model.Example(text, spans, group))
    return examples, sorted(categories)
