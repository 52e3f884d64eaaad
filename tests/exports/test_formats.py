import json
from datetime import UTC, datetime

import pytest

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


# --- aggregated records ------------------------------------------------------------

SNIPPET = "user = 'Jane Roe'\nmail = 'jane@example.com'\n"


def _snippet(**overrides) -> formats.SnippetRow:
    values = {
        "task_id": 9,
        "snippet_id": 5,
        "dataset": "demo",
        "source_file_id": 2,
        "path": "src/users.py",
        "language": "Python",
        "content_hash": "ab" * 32,
        "start_line": 51,
        "line_count": 2,
        "start_offset": 400,
        "text": SNIPPET,
        "spans": (
            formats.FinalSpanRow(26, 42, "EMAIL", "placeholder", 0.61234, "accepted"),
            formats.FinalSpanRow(8, 16, "NAME", "real", 0.9),
        ),
    }
    values.update(overrides)
    return formats.SnippetRow(**values)


def test_an_aggregated_record_has_spans_in_snippet_and_file_offsets():
    record = formats.aggregated_record(_snippet())
    assert record["start_line"] == 51 and record["end_line"] == 52
    assert record["validation"] == "none"
    name, email = record["spans"]
    assert (name["value"], name["start"], name["file_start"]) == ("Jane Roe", 8, 408)
    assert email["confidence"] == 0.6123 and email["verdict"] == "accepted"
    assert email["context"] == "placeholder"


@pytest.mark.parametrize(
    ("category", "context", "folded"),
    [
        ("NAME", "license", "NAME_LICENSE"),
        ("NAME", "placeholder", "NAME_EXAMPLE"),
        ("NAME", "real", "NAME"),
        ("EMAIL", "license", "EMAIL_LICENSE"),
        ("USERNAME", "placeholder", "USERNAME_EXAMPLE"),
        ("KEY", "real", "KEY"),
        ("AMBIGUOUS", "real", "AMBIGUOUS"),
    ],
)
def test_bigcode_folds_the_context_into_the_category(category, context, folded):
    assert formats.folded_category(category, context) == folded


def test_a_bigcode_record_has_their_layout_exactly():
    record = formats.bigcode_record(_snippet())
    assert set(record) == {"id", "text", "language", "fragments"}
    assert record["id"] == 5 and record["language"] == "Python"
    assert record["fragments"] == [
        {"category": "NAME", "position": [8, 16], "value": "Jane Roe"},
        {"category": "EMAIL_EXAMPLE", "position": [26, 42], "value": "jane@example.com"},
    ]


# --- files: merging across snippets ------------------------------------------------

CONTENT = "key = '''AAAA\nBBBB\nCCCC'''\nname = 'Ann Lee'\n"


def _halves(first_end_line: int = 2) -> list[formats.SnippetRow]:
    """CONTENT cut after `first_end_line` lines, a KEY marked across the cut."""
    cut = sum(len(line) for line in CONTENT.splitlines(keepends=True)[:first_end_line])
    head, tail = CONTENT[:cut], CONTENT[cut:]
    key_start, key_end = CONTENT.index("AAAA"), CONTENT.index("CCCC") + 4
    common = {"dataset": "d", "source_file_id": 1, "path": "k.py", "language": "Python"}
    common |= {"content_hash": "0" * 64}
    return [
        formats.SnippetRow(1, 11, **common, start_line=1, line_count=first_end_line,
                           start_offset=0, text=head,
                           spans=(formats.FinalSpanRow(key_start, cut, "KEY", "real", 0.9),)),
        formats.SnippetRow(2, 12, **common, start_line=first_end_line + 1, line_count=2,
                           start_offset=cut, text=tail,
                           spans=(formats.FinalSpanRow(0, key_end - cut, "KEY", "real", 0.7),
                                  formats.FinalSpanRow(tail.index("Ann"), tail.index("Ann") + 7,
                                                       "NAME", "real", 0.8))),
    ]  # fmt: skip


def test_files_join_a_value_cut_by_a_snippet_boundary():
    record = formats.file_record(_halves())
    key, name = record["spans"]
    assert (key["start"], key["end"]) == (CONTENT.index("AAAA"), CONTENT.index("CCCC") + 4)
    assert key["value"] == CONTENT[key["start"] : key["end"]] == "AAAA\nBBBB\nCCCC"
    assert key["confidence"] == 0.7  # the weaker half
    assert CONTENT[name["start"] : name["end"]] == name["value"] == "Ann Lee"
    assert record["covered"] == [[0, len(CONTENT)]]
    assert record["snippet_ids"] == [11, 12]


def test_files_keep_touching_spans_of_one_snippet_apart():
    spans = [
        formats.FileSpan(0, 4, "ID", "real", 1.0, "1234", snippet_id=1),
        formats.FileSpan(4, 8, "ID", "real", 1.0, "5678", snippet_id=1),
    ]
    assert len(formats.merge_file_spans(spans)) == 2


def test_files_keep_different_categories_apart_at_a_boundary():
    spans = [
        formats.FileSpan(0, 4, "KEY", "real", 1.0, "AAAA", snippet_id=1),
        formats.FileSpan(4, 8, "PASSWORD", "real", 1.0, "BBBB", snippet_id=2),
        formats.FileSpan(8, 9, "PASSWORD", "license", 1.0, "C", snippet_id=3),
    ]
    assert len(formats.merge_file_spans(spans)) == 3


def test_files_group_rows_by_source_file_in_order():
    first = _halves()
    other = [_snippet(source_file_id=7, path="other.py")]
    records = list(formats.files_records([*first, *other]))
    assert [r["path"] for r in records] == ["k.py", "other.py"]
    assert records[1]["covered"] == [[400, 400 + len(SNIPPET)]]


def test_covered_ranges_leave_gaps_for_snippets_not_exported():
    a = _snippet(snippet_id=1, start_offset=0, text="x" * 10)
    c = _snippet(snippet_id=3, start_offset=20, text="x" * 5)
    assert formats.covered_ranges([c, a]) == [[0, 10], [20, 25]]


def test_batched_text_keeps_every_character_in_order():
    pieces = [f"{n}\n" for n in range(1000)]
    batches = list(formats.batched_text(pieces, size=100))
    assert "".join(batches) == "".join(pieces)
    assert 1 < len(batches) < 1000
