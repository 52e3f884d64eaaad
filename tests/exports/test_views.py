import hashlib
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from annotator.accounts.models import User
from annotator.catalog.models import SourceFile
from annotator.labeling.models import Annotation, Assignment, Span
from tests import factories

# 60 lines, so the second snippet starts well inside the file.
LINES = [f"x_{n} = {n}" for n in range(60)]
LINES[2] = "# Copyright 2020 Jane Roe <jane.roe@mail.test>"
LINES[55] = "SERVER = '192.168.7.21'  # owner: Jane Roe"
CONTENT = "\n".join(LINES) + "\n"


def _source_file(dataset, content=CONTENT, path="src/server.py") -> SourceFile:
    return factories.SourceFileFactory(
        dataset=dataset,
        path=path,
        content=content,
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        line_count=len(content.splitlines()),
    )


def _snippet_tasks(project, source_file):
    """Cut the file into 50-line snippets, one task each."""
    lines = source_file.content.splitlines(keepends=True)
    tasks, offset = [], 0
    for index in range(0, len(lines), 50):
        text = "".join(lines[index : index + 50])
        snippet = factories.SnippetFactory(
            source_file=source_file,
            index=index // 50,
            start_line=index + 1,
            start_offset=offset,
            text=text,
            line_count=len(lines[index : index + 50]),
        )
        tasks.append(factories.TaskFactory(project=project, snippet=snippet))
        offset += len(text)
    return tasks


def _annotate(task, annotator, labels, *, time_spent_ms=1200):
    """Submit an annotation with a span on the first occurrence of each (value, category)."""
    assignment = factories.AssignmentFactory(
        task=task,
        annotator=annotator,
        status=Assignment.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    annotation = Annotation.objects.create(
        assignment=assignment, no_pii=not labels, time_spent_ms=time_spent_ms
    )
    text = task.snippet.text
    for value, category in labels:
        start = text.index(value)
        Span.objects.create(
            annotation=annotation, start=start, end=start + len(value), category=category
        )
    return annotation


def _export(client, project):
    response = client.get(reverse("exports:project-jsonl", args=[project.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return response, [json.loads(line) for line in body.splitlines()]


def test_requester_downloads_spans_that_point_at_the_same_text_in_snippet_and_file(
    client, requester, project, alice, bob
):
    source = _source_file(project.dataset)
    head, tail = _snippet_tasks(project, source)
    _annotate(head, alice, [("Jane Roe", "NAME"), ("jane.roe@mail.test", "EMAIL")])
    _annotate(tail, alice, [("192.168.7.21", "IP_ADDRESS"), ("Jane Roe", "NAME")])
    _annotate(tail, bob, [])
    client.force_login(requester)

    _, records = _export(client, project)

    assert [r["task_id"] for r in records] == [head.pk, tail.pk]
    assert records[1]["start_line"] == 51 and records[1]["end_line"] == 60
    assert records[1]["start_offset"] == tail.snippet.start_offset > 0
    assert records[1]["path"] == "src/server.py"
    assert records[1]["dataset"] == project.dataset.name
    values = []
    for record in records:
        for annotation in record["annotations"]:
            for span in annotation["spans"]:
                assert record["text"][span["start"] : span["end"]] == span["value"]
                assert CONTENT[span["file_start"] : span["file_end"]] == span["value"]
                values.append(span["value"])
    assert values == ["Jane Roe", "jane.roe@mail.test", "192.168.7.21", "Jane Roe"]
    bobs = records[1]["annotations"][1]
    assert bobs["annotator_id"] == bob.pk and bobs["no_pii"] is True and bobs["spans"] == []


def test_control_tasks_are_marked_and_carry_gold(client, requester, project):
    source = _source_file(project.dataset)
    head, _ = _snippet_tasks(project, source)
    start = head.snippet.text.index("Jane Roe")
    head.is_control = True
    head.gold_spans = [{"start": start, "end": start + 8, "category": "NAME", "context": "license"}]
    head.save()
    client.force_login(requester)

    _, records = _export(client, project)

    assert records[0]["is_control"] is True
    assert records[0]["gold_spans"][0]["value"] == "Jane Roe"
    assert records[0]["gold_spans"][0]["file_start"] == CONTENT.index("Jane Roe")
    assert records[1]["is_control"] is False and "gold_spans" not in records[1]


def test_the_export_streams_ndjson_as_an_attachment(client, requester, project):
    _snippet_tasks(project, _source_file(project.dataset))
    client.force_login(requester)

    response, records = _export(client, project)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == (
        f'attachment; filename="project-{project.pk}-annotations.jsonl"'
    )
    assert len(records) == 2


def test_an_empty_project_exports_an_empty_file(client, requester, project):
    client.force_login(requester)
    _, records = _export(client, project)
    assert records == []


def test_alice_the_annotator_is_refused(client, alice, project):
    client.force_login(alice)
    response = client.get(reverse("exports:project-jsonl", args=[project.pk]))
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, project):
    url = reverse("exports:project-jsonl", args=[project.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_mallory_cannot_download_requesters_project(client, mallory, project):
    client.force_login(mallory)
    response = client.get(reverse("exports:project-jsonl", args=[project.pk]))
    assert response.status_code == 404


def test_a_superuser_can_download_any_project(client, project):
    admin = factories.UserFactory(username="root", role=User.Role.ADMIN, is_superuser=True)
    client.force_login(admin)
    _, records = _export(client, project)
    assert records == []


@pytest.mark.parametrize("files", [1, 6])
def test_queries_do_not_grow_with_the_number_of_tasks(
    client, requester, project, alice, bob, files, django_assert_max_num_queries
):
    for n in range(files):
        source = _source_file(project.dataset, CONTENT + f"# {n}\n", path=f"src/f{n}.py")
        for task in _snippet_tasks(project, source):
            _annotate(task, alice, [("x_1 ", "NAME")] if task.snippet.index == 0 else [])
            _annotate(task, bob, [])
    client.force_login(requester)

    # session + user, project, then the task cursor, assignments and spans (one chunk).
    with django_assert_max_num_queries(6):
        _, records = _export(client, project)

    assert len(records) == 2 * files
    assert all(len(r["annotations"]) == 2 for r in records)


def test_small_chunks_still_yield_every_task_once_in_order(project, alice):
    from annotator.exports.selectors import project_export_rows

    tasks = []
    for n in range(3):
        source = _source_file(project.dataset, CONTENT + f"# {n}\n", path=f"src/f{n}.py")
        tasks += _snippet_tasks(project, source)
    _annotate(tasks[-1], alice, [("192.168.7.21", "IP_ADDRESS")])

    rows = list(project_export_rows(project=project, chunk_size=4))

    assert [r.task_id for r in rows] == sorted(t.pk for t in tasks)
    assert rows[-1].annotations[0].spans[0].category == "IP_ADDRESS"
