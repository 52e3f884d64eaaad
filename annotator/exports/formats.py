"""Export record builders: plain dataclasses in, dicts and text lines out (no ORM).

Offsets: a span's `start`/`end` are 0-based, end-exclusive character offsets into the
snippet text; `file_start`/`file_end` are the same characters in the source file,
i.e. shifted by the snippet's `start_offset`.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby


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


def span_record(span: "SpanRow | FinalSpanRow", *, text: str, start_offset: int) -> dict:
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


# --- aggregated exports: the crowd's final spans ---------------------------------------


@dataclass(frozen=True)
class FinalSpanRow:
    start: int
    end: int
    category: str
    context: str
    confidence: float
    verdict: str = "pending"


@dataclass(frozen=True)
class SnippetRow:
    """One finalised task of a generation project with its current round's spans.

    The selector has already dropped rejected spans and applied the export's filters.
    """

    task_id: int
    snippet_id: int
    dataset: str
    source_file_id: int
    path: str
    language: str
    content_hash: str
    start_line: int
    line_count: int
    start_offset: int
    text: str
    round: int = 1
    validation: str = ""
    spans: Sequence[FinalSpanRow] = ()

    @property
    def end_line(self) -> int:
        return self.start_line + self.line_count - 1

    def sorted_spans(self) -> list[FinalSpanRow]:
        return sorted(self.spans, key=lambda s: (s.start, s.end))


def final_span_record(span: FinalSpanRow, *, text: str, start_offset: int) -> dict:
    return {
        **span_record(span, text=text, start_offset=start_offset),
        "confidence": round(span.confidence, 4),
        "verdict": span.verdict,
    }


def aggregated_record(row: SnippetRow) -> dict:
    """format=jsonl, kind=aggregated: one snippet with its final spans."""
    return {
        "task_id": row.task_id,
        "snippet_id": row.snippet_id,
        "dataset": row.dataset,
        "path": row.path,
        "language": row.language,
        "start_line": row.start_line,
        "end_line": row.end_line,
        "start_offset": row.start_offset,
        "text": row.text,
        "round": row.round,
        "validation": row.validation or "none",
        "spans": [
            final_span_record(s, text=row.text, start_offset=row.start_offset)
            for s in row.sorted_spans()
        ],
    }


# BigCode's PII dataset folds the context into the category name.
CONTEXT_SUFFIX = {"license": "_LICENSE", "placeholder": "_EXAMPLE", "real": ""}


def folded_category(category: str, context: str) -> str:
    """NAME + license -> NAME_LICENSE, + placeholder -> NAME_EXAMPLE, + real -> NAME."""
    return category + CONTEXT_SUFFIX.get(context, "")


def bigcode_record(row: SnippetRow) -> dict:
    """format=bigcode: the layout of BigCode's released PII dataset, one snippet a record.

    `id` is our snippet id; positions are offsets into `text` (the snippet).
    """
    return {
        "id": row.snippet_id,
        "text": row.text,
        "language": row.language,
        "fragments": [
            {
                "category": folded_category(s.category, s.context),
                "position": [s.start, s.end],
                "value": row.text[s.start : s.end],
            }
            for s in row.sorted_spans()
        ],
    }


# --- files: snippet spans merged back into whole-file spans -----------------------------


@dataclass(frozen=True)
class FileSpan:
    start: int  # offsets into SourceFile.content
    end: int
    category: str
    context: str
    confidence: float
    value: str
    snippet_id: int


def file_spans(row: SnippetRow) -> list[FileSpan]:
    shift = row.start_offset
    return [
        FileSpan(
            s.start + shift,
            s.end + shift,
            s.category,
            s.context,
            s.confidence,
            row.text[s.start : s.end],
            row.snippet_id,
        )
        for s in row.sorted_spans()
    ]


def merge_file_spans(spans: Iterable[FileSpan]) -> list[FileSpan]:
    """Join spans that touch across a snippet boundary with the same category and context.

    Snippets are cut at line ends, so a value only crosses a boundary when annotators of
    both snippets marked its halves up to the cut. Touching spans inside one snippet are
    two values on purpose and stay apart. The merged span keeps the lower confidence.
    """
    merged: list[FileSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.end == span.start
            and last.snippet_id != span.snippet_id
            and (last.category, last.context) == (span.category, span.context)
        ):
            merged[-1] = FileSpan(
                last.start,
                span.end,
                span.category,
                span.context,
                min(last.confidence, span.confidence),
                last.value + span.value,
                span.snippet_id,
            )
        else:
            merged.append(span)
    return merged


def covered_ranges(rows: Sequence[SnippetRow]) -> list[list[int]]:
    """The stretches of the file that were labeled (snippets in this export), merged."""
    ranges: list[list[int]] = []
    for start, end in sorted((r.start_offset, r.start_offset + len(r.text)) for r in rows):
        if ranges and ranges[-1][1] >= start:
            ranges[-1][1] = max(ranges[-1][1], end)
        else:
            ranges.append([start, end])
    return ranges


def file_record(rows: Sequence[SnippetRow]) -> dict:
    """format=files: one source file (rows are its exported snippets) for redaction.

    Offsets are into `SourceFile.content`; `covered` says which parts were labeled at
    all, so a redactor knows that the rest of the file was never looked at.
    """
    first = rows[0]
    spans = merge_file_spans(s for row in rows for s in file_spans(row))
    return {
        "source_file_id": first.source_file_id,
        "dataset": first.dataset,
        "path": first.path,
        "language": first.language,
        "content_hash": first.content_hash,
        "snippet_ids": [row.snippet_id for row in rows],
        "covered": covered_ranges(rows),
        "spans": [
            {
                "start": s.start,
                "end": s.end,
                "category": s.category,
                "context": s.context,
                "confidence": round(s.confidence, 4),
                "value": s.value,
            }
            for s in spans
        ],
    }


def files_records(rows: Iterable[SnippetRow]) -> Iterator[dict]:
    """Group rows that arrive ordered by source file (the selector's order) into files."""
    for _, group in groupby(rows, key=lambda r: r.source_file_id):
        yield file_record(list(group))


def batched_text(chunks: Iterable[str], size: int = 64 * 1024) -> Iterator[str]:
    """Join small records into pieces of about `size` characters.

    A response or file write per record costs more than building the record; a few
    dozen kilobytes a piece keep the stream smooth and the memory flat.
    """
    buffer: list[str] = []
    length = 0
    for chunk in chunks:
        buffer.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)
