"""Export record builders: plain dataclasses in, dicts and text lines out (no ORM).

Offsets: a span's `start`/`end` are 0-based, end-exclusive character offsets into the
snippet text; `file_start`/`file_end` are the same characters in the source file,
i.e. shifted by the snippet's `start_offset`.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class SpanRow:
    start: int
    end: int
    category: str
    context: str


@dataclass(frozen=True)
class AnnotationRow:
    annotation_id: int
    annotator_id: int
    no_pii: bool
    problem: str
    submitted_at: datetime | None
    time_spent_ms: int
    spans: Sequence[SpanRow] = ()


@dataclass(frozen=True)
class TaskRow:
    task_id: int
    snippet_id: int
    dataset: str
    path: str
    language: str
    license: str
    repository: str
    start_line: int
    end_line: int
    start_offset: int
    text: str
    is_control: bool = False
    gold_spans: Sequence[SpanRow] = ()
    annotations: Sequence[AnnotationRow] = field(default_factory=tuple)


def span_record(span: SpanRow, *, text: str, start_offset: int) -> dict:
    return {
        "start": span.start,
        "end": span.end,
        "file_start": span.start + start_offset,
        "file_end": span.end + start_offset,
        "category": span.category,
        "context": span.context,
        "value": text[span.start : span.end],
    }


def annotation_record(annotation: AnnotationRow, *, text: str, start_offset: int) -> dict:
    submitted = annotation.submitted_at
    return {
        "annotation_id": annotation.annotation_id,
        "annotator_id": annotation.annotator_id,
        "no_pii": annotation.no_pii,
        "problem": annotation.problem,
        "submitted_at": submitted.isoformat() if submitted else None,
        "time_spent_ms": annotation.time_spent_ms,
        "spans": [
            span_record(s, text=text, start_offset=start_offset)
            for s in sorted(annotation.spans, key=lambda s: (s.start, s.end))
        ],
    }


def task_record(row: TaskRow) -> dict:
    """One snippet of a project with every submitted annotation on it.

    Control tasks also carry their gold spans: this export is for requesters only,
    never for annotators.
    """
    where = {"text": row.text, "start_offset": row.start_offset}
    record = {
        "task_id": row.task_id,
        "snippet_id": row.snippet_id,
        "dataset": row.dataset,
        "path": row.path,
        "language": row.language,
        "license": row.license,
        "repository": row.repository,
        "start_line": row.start_line,
        "end_line": row.end_line,
        "start_offset": row.start_offset,
        "text": row.text,
        "is_control": row.is_control,
        "annotations": [
            annotation_record(a, **where)
            for a in sorted(row.annotations, key=lambda a: a.annotation_id)
        ],
    }
    if row.is_control:
        record["gold_spans"] = [span_record(s, **where) for s in row.gold_spans]
    return record


def gold_span_rows(gold_spans: Iterable[dict] | None) -> tuple[SpanRow, ...]:
    """Turn a Task.gold_spans JSON list into SpanRows (context defaults to real)."""
    return tuple(
        SpanRow(g["start"], g["end"], g["category"], g.get("context", "real"))
        for g in gold_spans or ()
    )


def jsonl_line(record: dict) -> str:
    # ensure_ascii=False keeps the offsets meaningful to a reader who greps the file.
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def jsonl_lines(rows: Iterable[TaskRow]) -> Iterator[str]:
    for row in rows:
        yield jsonl_line(task_record(row))
