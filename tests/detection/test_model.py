"""The CRF detector: token/BIO alignment, training on synthetic "crowd labels", saving,
and beating the rules alone on a held-out split."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotator.catalog.importing import cut_snippets
from annotator.demo import synthetic
from annotator.detection import detect, model
from annotator.detection.combined import detect_combined
from tests.detection.test_redaction_runs import labeled_project


def snippet_records(files):
    """50-line snippets with the synthetic truth as their labels, as train_detector reads them."""
    for file in files:
        for piece in cut_snippets(file.content):
            end = piece.start_offset + len(piece.text)
            spans = synthetic.spans_in_window(file.spans, start=piece.start_offset, end=end)
            yield {
                "text": piece.text,
                "path": file.path,
                "spans": [
                    {"start": s.start, "end": s.end, "category": s.category, "context": s.context}
                    for s in spans
                ],
            }


def test_bio_tags_over_code_tokens_give_back_every_truth_span():
    for file in synthetic.generate_files(20, seed=5):
        tokens = model.tokenize(file.content)
        truth = [(s.start, s.end, s.category) for s in file.spans]
        assert model.spans_from_tags(tokens, model.bio_tags(tokens, truth)) == truth


def test_the_split_keeps_a_files_snippets_together_and_is_repeatable():
    examples = [model.Example(f"text {i}", (), group=f"file{i % 7}") for i in range(40)]
    train, held = model.split_examples(examples, test_share=0.3, seed=1)
    assert {e.group for e in train}.isdisjoint({e.group for e in held})
    assert len(train) + len(held) == 40 and held
    assert model.split_examples(examples, test_share=0.3, seed=1) == (train, held)


def test_rules_and_model_beat_the_rules_alone_on_held_out_labels(tmp_path):
    labels = tmp_path / "labeled.jsonl"
    records = list(snippet_records(synthetic.generate_files(24, seed=7)))
    labels.write_text("".join(json.dumps(r) + "\n" for r in records))
    call_command(
        "train_detector",
        labels=str(labels),
        name="synthetic",
        output_dir=str(tmp_path),
        max_iterations=60,
    )
    metrics = json.loads((tmp_path / "synthetic.metrics.json").read_text())
    rules = metrics["rules"]["exact"]["ALL"]["f1"]
    both = metrics["rules_and_model"]["exact"]["ALL"]["f1"]
    assert both > rules, (both, rules)
    assert metrics["held_out_examples"] > 0 and metrics["train_seconds"] > 0

    trained = model.load(tmp_path / "synthetic.joblib")
    text = records[0]["text"]
    assert detect_combined(text, None) == detect(text)
    assert detect_combined(text, trained)  # finds something with the model too
    call_command(
        "train_detector", labels=str(labels), evaluate_only=str(tmp_path / "synthetic.joblib")
    )


def test_train_detector_learns_from_a_projects_final_labels(tmp_path, requester, capsys):
    categories = ["NAME", "EMAIL", "PASSWORD", "USERNAME"]
    project = labeled_project(requester, synthetic.generate_files(6, seed=2), categories)
    call_command("train_detector", project=project.pk, output_dir=str(tmp_path), max_iterations=20)
    metrics = json.loads((tmp_path / f"project-{project.pk}.metrics.json").read_text())
    assert metrics["categories"] == sorted(categories)
    assert set(metrics["rules_and_model"]["exact"]) <= {*categories, "ALL"}
    assert "F1" in capsys.readouterr().out


def test_a_project_without_enough_final_labels_is_refused(tmp_path, project):
    with pytest.raises(CommandError, match="Too few labeled files"):
        call_command("train_detector", project=project.pk, output_dir=str(tmp_path))


def test_loading_something_that_is_not_a_model_fails_clearly(tmp_path):
    import joblib

    joblib.dump({"not": "a model"}, tmp_path / "x.joblib")
    with pytest.raises(ValueError, match="not a detector model"):
        model.load(tmp_path / "x.joblib")


def trained_on_a_synthetic_project(requester, files, folder) -> Path:
    """`train_detector` on a project whose final labels are the synthetic truth."""
    categories = ["NAME", "EMAIL", "PASSWORD", "USERNAME"]
    project = labeled_project(requester, files, categories)
    call_command("train_detector", project=project.pk, output_dir=str(folder), max_iterations=20)
    return folder / f"project-{project.pk}.joblib"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_detect_with_a_model_writes_the_models_spans_too(tmp_path, requester):
    files = synthetic.generate_files(6, seed=2)
    model_path = trained_on_a_synthetic_project(requester, files, tmp_path)
    records = [{"id": i, "text": r["text"]} for i, r in enumerate(snippet_records(files))]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    call_command("detect", input=str(source), output=str(tmp_path / "rules.jsonl"))
    for workers in (1, 2):  # in this process, and in forked workers
        output = tmp_path / f"model-{workers}.jsonl"
        call_command(
            "detect", input=str(source), output=str(output), model=str(model_path), workers=workers
        )
        trained = model.load(model_path)
        assert [r["spans"] for r in read_jsonl(output)] == [
            [s.as_dict() for s in detect_combined(r["text"], trained)] for r in records
        ]

    def keys(path):
        return {
            (r["id"], s["start"], s["end"], s["label"])
            for r in read_jsonl(path)
            for s in r["spans"]
        }

    added = keys(tmp_path / "model-2.jsonl") - keys(tmp_path / "rules.jsonl")
    assert added, "the model adds nothing the rules did not find"
    truth = {
        (i, s["start"], s["end"], s["category"])
        for i, record in enumerate(snippet_records(files))
        for s in record["spans"]
    }
    assert len(added & truth) > len(added) / 2  # mostly real PII that the rules missed


def test_detect_refuses_a_file_that_is_not_a_model(tmp_path):
    import joblib

    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "x"}\n', encoding="utf-8")
    joblib.dump({"not": "a model"}, tmp_path / "x.joblib")
    with pytest.raises(CommandError, match="cannot load the model"):
        call_command(
            "detect",
            input=str(source),
            output=str(tmp_path / "o.jsonl"),
            model=str(tmp_path / "x.joblib"),
        )
    with pytest.raises(CommandError, match="cannot load the model"):
        call_command(
            "detect",
            input=str(source),
            output=str(tmp_path / "o.jsonl"),
            model=str(tmp_path / "none"),
        )


def test_redact_with_a_model_also_replaces_what_the_model_finds(tmp_path, requester):
    from annotator.detection.redaction import redact_text

    files = synthetic.generate_files(6, seed=2)
    model_path = trained_on_a_synthetic_project(requester, files, tmp_path)
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"path": f.path, "content": f.content}) + "\n" for f in files),
        encoding="utf-8",
    )
    output = tmp_path / "out.jsonl"
    call_command("redact", input=str(source), output=str(output), model=str(model_path))

    trained = model.load(model_path)
    contents = [r["content"] for r in read_jsonl(output)]
    assert contents == [
        redact_text(f.content, detect_combined(f.content, trained))[0] for f in files
    ]
    rules_only = [redact_text(f.content, detect(f.content))[0] for f in files]
    assert contents != rules_only  # the model's spans were replaced as well
