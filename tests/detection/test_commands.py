"""`detect` and `evaluate` management commands end to end on temporary files."""

import json

import pytest
from django.core.management import CommandError, call_command

SNIPPETS = [
    {"id": "a", "text": 'password = "hunter2"\nhost = "10.0.0.7"\n'},
    {"id": 7, "text": "nothing to see here\n"},
    {"id": "c", "text": "# mail maria.garcia@gmail.com\n"},
]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("workers", [1, 2])
def test_detect_writes_spans_in_input_order(tmp_path, workers):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, SNIPPETS * 50)
    call_command("detect", input=str(source), output=str(output), workers=workers)
    records = read_jsonl(output)
    assert [r["id"] for r in records] == ["a", 7, "c"] * 50
    first = records[0]["spans"]
    assert [(s["label"], s["start"], s["end"]) for s in first] == [
        ("PASSWORD", 12, 19),
        ("IP_ADDRESS", 29, 37),
    ]
    assert set(first[0]) == {"start", "end", "label", "context", "score"}
    assert records[1]["spans"] == []


def test_detect_rejects_a_malformed_line_by_number(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"in\.jsonl:2: malformed"):
        call_command("detect", input=str(source), output=str(tmp_path / "out.jsonl"))


def test_detect_rejects_a_record_without_text(tmp_path):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, [{"id": 1}])
    with pytest.raises(CommandError, match=":1: malformed"):
        call_command("detect", input=str(source), output=str(tmp_path / "o.jsonl"), workers=2)


def test_evaluate_prints_table_and_json(tmp_path, capsys):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    write_jsonl(
        gold,
        [
            {"id": "a", "fragments": [{"category": "PASSWORD", "position": [12, 19]}]},
            {"id": "b", "spans": [{"start": 0, "end": 4, "category": "NAME"}]},
        ],
    )
    write_jsonl(pred, [{"id": "a", "spans": [{"start": 12, "end": 18, "label": "PASSWORD"}]}])
    call_command("evaluate", gold=str(gold), pred=str(pred))
    table = capsys.readouterr().out
    assert "exact match" in table and "overlap match" in table and "PASSWORD" in table
    call_command("evaluate", gold=str(gold), pred=str(pred), json=True)
    payload = json.loads(capsys.readouterr().out)
    assert payload["exact"]["PASSWORD"]["tp"] == 0
    assert payload["overlap"]["PASSWORD"] == {
        "tp": 1, "predicted": 1, "gold": 1, "precision": 1.0, "recall": 1.0, "f1": 1.0,
    }  # fmt: skip
    assert payload["overlap"]["NAME"]["recall"] == 0.0


def test_evaluate_names_the_bad_line(tmp_path):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    write_jsonl(gold, [{"id": 1, "spans": []}])
    pred.write_text("not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"pred\.jsonl:1"):
        call_command("evaluate", gold=str(gold), pred=str(pred))
