"""Reading a gold file (pure): JSON Lines, one control task per line.

Each line names its snippet by id, or by file path and first line, and lists the gold
spans in snippet offsets (an empty list means "this snippet has no PII"):

    {"snippet": 812, "spans": [{"start": 10, "end": 18, "category": "NAME"}]}
    {"path": "src/db.py", "start_line": 51, "spans": [], "explanation": "No PII here."}
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from annotator.core import taxonomy
from annotator.projects.services import SpanInput

MAX_LINES = 5000


class GoldError(ValueError):
    """A line of the gold file is malformed; the message names the line."""


@dataclass(frozen=True)
class GoldLine:
    number: int  # 1-based line of the file, for error messages
    snippet_id: int | None
    path: str | None
    start_line: int | None
    spans: tuple[SpanInput, ...]
    explanation: str = ""


def _span(raw: object, where: str) -> SpanInput:
    if not isinstance(raw, dict):
        raise GoldError(f"{where}: each span is an object with start, end and category.")
    try:
        start, end = int(raw["start"]), int(raw["end"])
        category = str(raw.get("category") or raw["label"])
    except (KeyError, TypeError, ValueError) as exc:
        raise GoldError(f"{where}: a span needs integer start and end, and a category.") from exc
    context = str(raw.get("context") or taxonomy.Context.REAL)
    return SpanInput(start=start, end=end, category=category, context=context)


def _int(record: dict, key: str, where: str) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise GoldError(f"{where}: {key} must be a whole number.")
    return value


def gold_parse_line(text: str, number: int) -> GoldLine:
    where = f"Line {number}"
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GoldError(f"{where}: not valid JSON ({exc.msg}).") from exc
    if not isinstance(record, dict):
        raise GoldError(f"{where}: each line is a JSON object.")
    snippet_id = _int(record, "snippet", where)
    path, start_line = record.get("path"), _int(record, "start_line", where)
    if snippet_id is None and (not isinstance(path, str) or start_line is None):
        raise GoldError(f'{where}: name the snippet by "snippet" id, or "path" and "start_line".')
    spans = record.get("spans")
    if not isinstance(spans, list):
        raise GoldError(f'{where}: "spans" must be a list (empty for no PII).')
    return GoldLine(
        number=number,
        snippet_id=snippet_id,
        path=path if snippet_id is None else None,
        start_line=start_line if snippet_id is None else None,
        spans=tuple(_span(raw, where) for raw in spans),
        explanation=str(record.get("explanation") or ""),
    )


def gold_parse(text: str) -> list[GoldLine]:
    """Every non-blank line, parsed; raises GoldError at the first bad one."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            lines.append(gold_parse_line(raw, number))
        if len(lines) > MAX_LINES:
            raise GoldError(f"A gold file holds at most {MAX_LINES} control tasks.")
    if not lines:
        raise GoldError("The gold file is empty.")
    return lines
