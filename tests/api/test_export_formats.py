"""GET /api/v1/projects/{id}/export in every format: export, parse, find the same spans."""

import json

import pytest
import yaml

from annotator.catalog.models import SourceFile
from annotator.exports.formats import folded_category
from annotator.projects.models import FinalSpan, Task
from tests.exports.builders import KEY_HEAD, KEY_TAIL, Label, finalise, labeled_project
from tests.exports.test_bio import parse, spans_from


def _get(client, project, query=""):
    response = client.get(f"/api/v1/projects/{project.pk}/export?{query}")
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content).decode()


def _records(client, project, query):
    _, body = _get(client, project, query)
    return [json.loads(line) for line in body.splitlines()]


def _expected_spans(project) -> set[tuple]:
    """(snippet id, start, end, category, context) of what an aggregated export must hold."""
    rows = FinalSpan.objects.filter(
        task__project=project, task__status=Task.Status.FINAL, task__is_control=False
    ).exclude(verdict=FinalSpan.Verdict.REJECTED)
    return {
        (s.task.snippet_id, s.start, s.end, s.category, s.context)
        for s in rows.select_related("task")
        if s.round == s.task.round
    }


@pytest.fixture
def labeled(project):
    return labeled_project(project, files=2)


def test_jsonl_round_trip_gives_back_the_final_spans_at_their_file_offsets(
    as_requester, project, labeled
):
    records = _records(as_requester, project, "format=jsonl&kind=aggregated")
    contents = dict(SourceFile.objects.values_list("path", "content"))
    found = set()
    for record in records:
        for span in record["spans"]:
            assert record["text"][span["start"] : span["end"]] == span["value"]
            assert contents[record["path"]][span["file_start"] : span["file_end"]] == span["value"]
            found.add((record["snippet_id"], span["start"], span["end"], span["category"],
                       span["context"]))  # fmt: skip
    assert found == _expected_spans(project) and len(found) == 2 * 10
    assert [(r["path"], r["start_line"]) for r in records] == [
        (f"src/mod_{n}.py", line) for n in range(2) for line in (1, 51, 101)
    ]
    assert records[0]["dataset"] == project.dataset.name and records[0]["end_line"] == 50
    assert {"confidence", "verdict"} <= set(records[0]["spans"][0])


def test_bio_round_trip_rebuilds_text_positions_and_spans(as_requester, project, labeled):
    response, body = _get(as_requester, project, "format=bio&kind=aggregated")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    blocks = [b for b in body.split("\n\n") if b]
    assert len(blocks) == 6
    texts = dict(Task.objects.filter(project=project).values_list("snippet_id", "snippet__text"))
    found = set()
    for block in blocks:
        text = texts[int(block.split("\n", 1)[0].removeprefix("# snippet_id = "))]
        comments, tokens = parse(block, text)
        assert all(text[start:end] == token for token, start, end, _ in tokens)
        assert "".join(t for t, *_ in tokens) == "".join(text.split())
        for start, end, label in spans_from(tokens):
            found.add((int(comments["snippet_id"]), start, end, label))
    # Whitespace has no token: the key's half that ends with the snippet's last newline
    # comes back without it.
    expected = set()
    for snippet_id, start, end, category, context in _expected_spans(project):
        value = texts[snippet_id][start:end]
        start += len(value) - len(value.lstrip())
        end -= len(value) - len(value.rstrip())
        expected.add((snippet_id, start, end, folded_category(category, context)))
    assert found == expected


def test_bigcode_round_trip_folds_contexts_like_bigcode(as_requester, project, labeled):
    records = _records(as_requester, project, "format=bigcode&kind=aggregated")
    assert all(set(r) == {"id", "text", "language", "fragments"} for r in records)
    first = records[0]
    by_value = {f["value"]: f["category"] for f in first["fragments"]}
    assert by_value["Jane Roe"] == "NAME_LICENSE"
    assert by_value["jane.roe@corp.test"] == "EMAIL_LICENSE"
    assert by_value["John Doe"] == "NAME_EXAMPLE"
    assert by_value["10.0.4.17"] == "IP_ADDRESS"
    found = set()
    for record in records:
        for fragment in record["fragments"]:
            start, end = fragment["position"]
            assert record["text"][start:end] == fragment["value"]
            found.add((record["id"], start, end, fragment["category"]))
    expected = {(s, a, b, folded_category(c, x)) for s, a, b, c, x in _expected_spans(project)}
    assert found == expected


def test_files_merge_snippets_back_into_whole_file_spans(as_requester, project, labeled):
    records = _records(as_requester, project, "format=files&kind=aggregated")
    files = {f.path: f for f in SourceFile.objects.all()}
    assert [r["path"] for r in records] == ["src/mod_0.py", "src/mod_1.py"]
    for record in records:
        source = files[record["path"]]
        assert record["content_hash"] == source.content_hash
        assert record["covered"] == [[0, len(source.content)]]
        for span in record["spans"]:
            assert source.content[span["start"] : span["end"]] == span["value"]
        keys = [s for s in record["spans"] if s["category"] == "KEY"]
        assert len(keys) == 1, "the two halves of the key are one span again"
        assert keys[0]["value"].startswith(KEY_HEAD) and keys[0]["value"].endswith(KEY_TAIL)
        assert len(record["spans"]) == 9  # 10 snippet spans, two of them joined


def test_aggregated_exports_leave_out_rejected_spans_old_rounds_controls_and_open_tasks(
    as_requester, project, labeled
):
    source = labeled["sources"][0]
    head = Task.objects.get(project=project, snippet__source_file=source, snippet__index=0)
    FinalSpan.objects.filter(task=head, category="IP_ADDRESS").update(verdict="rejected")
    tail = Task.objects.get(project=project, snippet__source_file=source, snippet__index=2)
    finalise(tail, [Label("contact", "NAME")], round_=2)  # round 1's EMAIL is history now
    middle = Task.objects.get(project=project, snippet__source_file=source, snippet__index=1)
    Task.objects.filter(pk=middle.pk).update(is_control=True, gold_spans=[])
    other = labeled["sources"][1]
    Task.objects.filter(snippet__source_file=other, snippet__index=0).update(status="open")

    records = _records(as_requester, project, "format=jsonl&kind=aggregated")

    by_task = {r["task_id"]: r for r in records}
    assert middle.pk not in by_task and len(records) == 4
    assert "10.0.4.17" not in [s["value"] for s in by_task[head.pk]["spans"]]
    assert [s["value"] for s in by_task[tail.pk]["spans"]] == ["contact"]
    assert by_task[tail.pk]["round"] == 2


def _categories(fmt: str, body: str) -> set[str]:
    if fmt == "bio":
        labels = {line.split("\t")[1] for line in body.splitlines() if "\t" in line}
        return {label[2:] for label in labels if label != "O"}
    records = [json.loads(line) for line in body.splitlines()]
    if fmt == "bigcode":
        return {f["category"] for r in records for f in r["fragments"]}
    return {s["category"] for r in records for s in r["spans"]}


@pytest.mark.parametrize("fmt", ["jsonl", "bigcode", "files", "bio"])
def test_category_filter_keeps_only_those_categories(as_requester, project, labeled, fmt):
    _, body = _get(as_requester, project, f"format={fmt}&kind=aggregated&categories=NAME,KEY")
    assert _categories(fmt, body) == (
        {"NAME", "KEY"}
        if fmt in ("jsonl", "files")
        else {"NAME", "NAME_LICENSE", "NAME_EXAMPLE", "KEY"}
    )


def test_min_confidence_drops_less_confident_spans(as_requester, project, labeled):
    records = _records(as_requester, project, "kind=aggregated&min_confidence=0.8")
    confidences = [s["confidence"] for r in records for s in r["spans"]]
    assert confidences and min(confidences) >= 0.8
    assert "john@example.com" not in [s["value"] for r in records for s in r["spans"]]


def test_only_validated_keeps_accepted_snippets(as_requester, project, labeled):
    records = _records(as_requester, project, "kind=aggregated&only_validated=true")
    assert [r["start_line"] for r in records] == [1, 1]
    assert {r["validation"] for r in records} == {"accepted"}


def test_raw_export_honours_category_and_validation_filters(as_requester, project, alice):
    from tests.api.test_projects import _submitted

    task = _submitted(project, alice)
    _submitted(project, alice)
    Task.objects.filter(pk=task.pk).update(validation="accepted")
    records = _records(as_requester, project, "kind=raw&only_validated=1&categories=EMAIL")
    assert [r["task_id"] for r in records] == [task.pk]
    assert records[0]["annotations"][0]["spans"] == []  # its one span is a NAME


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename"),
    [
        ("jsonl", "application/x-ndjson", "project-{}-aggregated.jsonl"),
        ("bio", "text/plain; charset=utf-8", "project-{}-bio.conll"),
        ("bigcode", "application/x-ndjson", "project-{}-bigcode.jsonl"),
        ("files", "application/x-ndjson", "project-{}-files.jsonl"),
    ],
)
def test_every_format_streams_as_an_attachment(
    as_requester, project, labeled, fmt, content_type, filename
):
    response, body = _get(as_requester, project, f"format={fmt}&kind=aggregated")
    assert response.streaming
    assert response["Content-Type"] == content_type
    assert (
        response["Content-Disposition"] == f'attachment; filename="{filename.format(project.pk)}"'
    )
    assert body


@pytest.mark.parametrize("files", [1, 5])
@pytest.mark.parametrize("fmt", ["jsonl", "files", "bio"])
def test_queries_stay_bounded_whatever_the_number_of_tasks(
    as_requester, project, files, fmt, django_assert_max_num_queries
):
    labeled_project(project, files=files)
    # token auth (2), project, throttle-free cursor (declare, fetch, close) + one span query
    with django_assert_max_num_queries(8):
        _, body = _get(as_requester, project, f"format={fmt}&kind=aggregated")
    assert body.count("mod_") >= files


def test_bad_filters_answer_400_in_the_api_error_shape(as_requester, project):
    response = as_requester.get(f"/api/v1/projects/{project.pk}/export?kind=raw&min_confidence=1")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {"min_confidence": ["Raw annotations have no confidence."]}
    assert body["detail"] == "min_confidence: Raw annotations have no confidence."


def test_alice_the_annotator_gets_403(as_alice, project):
    response = as_alice.get(f"/api/v1/projects/{project.pk}/export?format=bio&kind=aggregated")
    assert response.status_code == 403


def test_mallory_gets_404_for_requesters_project(mallory, project):
    from tests.api.conftest import client_for

    response = client_for(mallory).get(f"/api/v1/projects/{project.pk}/export?kind=aggregated")
    assert response.status_code == 404


def test_anonymous_gets_401(anon, project):
    assert anon.get(f"/api/v1/projects/{project.pk}/export").status_code == 401


def test_the_schema_documents_formats_filters_and_both_content_types(anon, db):
    schema = yaml.safe_load(anon.get("/api/schema/").content)
    export = schema["paths"]["/api/v1/projects/{project_id}/export"]["get"]
    parameters = {p["name"]: p for p in export["parameters"]}
    assert set(parameters["format"]["schema"]["enum"]) == {"jsonl", "bio", "bigcode", "files"}
    assert set(parameters["kind"]["schema"]["enum"]) == {"raw", "aggregated"}
    assert {"categories", "min_confidence", "only_validated"} <= set(parameters)
    assert set(export["responses"]["200"]["content"]) == {"application/x-ndjson", "text/plain"}
    assert "post" in schema["paths"]["/api/v1/projects/{project_id}/exports"]
    assert "get" in schema["paths"]["/api/v1/exports/{job_id}/download"]
