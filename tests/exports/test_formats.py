import json
from datetime import UTC, datetime

from annotator.exports import formats

TEXT = "host = '10.0.0.7'\nowner = 'Jane Roe'\n"


def _row(**overrides) -> formats.TaskRow:
    values = {
        "task_id": 7,
        "snippet_id": 3,
        "dataset": "demo",
        "path": "src/app.py",
        "language": "Python",
        "license": "MIT",
        "repository": "org/repo",
        "start_line": 51,
        "end_line": 52,
        "start_offset": 1000,
        "text": TEXT,
        "annotations": (
            formats.AnnotationRow(
                annotation_id=12,
                annotator_id=4,
                no_pii=False,
                problem="",
                submitted_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                time_spent_ms=1500,
                spans=(
                    formats.SpanRow(27, 35, "NAME", "real"),
                    formats.SpanRow(8, 16, "IP_ADDRESS", "real"),
                ),
            ),
        ),
    }
    values.update(overrides)
    return formats.TaskRow(**values)


def test_span_values_and_file_offsets_come_from_the_snippet():
    record = formats.task_record(_row())
    spans = record["annotations"][0]["spans"]
    assert [s["value"] for s in spans] == ["10.0.0.7", "Jane Roe"]
    assert spans[0]["file_start"] == 1008 and spans[0]["file_end"] == 1016
    assert record["annotations"][0]["submitted_at"] == "2026-01-02T03:04:05+00:00"


def test_an_ordinary_task_carries_no_gold():
    record = formats.task_record(_row())
    assert record["is_control"] is False
    assert "gold_spans" not in record


def test_a_control_task_carries_its_gold_with_values():
    gold = formats.gold_span_rows([{"start": 27, "end": 35, "category": "NAME"}])
    record = formats.task_record(_row(is_control=True, gold_spans=gold, annotations=()))
    assert record["is_control"] is True
    assert record["gold_spans"][0]["value"] == "Jane Roe"
    assert record["gold_spans"][0]["context"] == "real"


def test_annotations_are_ordered_by_id():
    first = formats.AnnotationRow(2, 1, True, "", None, 0)
    second = formats.AnnotationRow(1, 2, True, "", None, 0)
    record = formats.task_record(_row(annotations=(first, second)))
    assert [a["annotation_id"] for a in record["annotations"]] == [1, 2]
    assert record["annotations"][0]["submitted_at"] is None


def test_each_record_is_one_json_line():
    lines = list(formats.jsonl_lines([_row(), _row(task_id=8, text="ünïcode\n")]))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [json.loads(line)["task_id"] for line in lines] == [7, 8]
    assert "ünïcode" in lines[1]
