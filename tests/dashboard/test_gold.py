"""Gold files: parsing (pure) and the import through control_task_set."""

import json

import pytest

from annotator.core.exceptions import DomainError
from annotator.dashboard import services
from annotator.dashboard.gold import GoldError, gold_parse
from tests import factories


def test_lines_name_a_snippet_by_id_or_by_path_and_line():
    text = (
        '{"snippet": 3, "spans": [{"start": 0, "end": 4, "category": "NAME"}]}\n'
        "\n"
        '{"path": "a.py", "start_line": 51, "spans": [], "explanation": "none"}\n'
    )
    first, second = gold_parse(text)
    assert first.snippet_id == 3 and first.spans[0].category == "NAME"
    assert (second.path, second.start_line, second.spans) == ("a.py", 51, ())
    assert second.number == 3 and second.explanation == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "Line 1: not valid JSON"),
        ('{"spans": []}', "Line 1: name the snippet"),
        ('{"snippet": 1}', 'Line 1: "spans" must be a list'),
        ('{"snippet": 1, "spans": [{"start": "a", "end": 2, "category": "NAME"}]}', "integer"),
        ("", "empty"),
    ],
)
def test_a_bad_gold_file_names_its_first_bad_line(text, message):
    with pytest.raises(GoldError, match=message):
        gold_parse(text)


@pytest.mark.django_db
def test_gold_import_makes_control_tasks_all_or_nothing(project):
    task = factories.TaskFactory(project=project)
    snippet = task.snippet
    good = {"snippet": snippet.pk, "spans": [{"start": 17, "end": 25, "category": "NAME"}]}
    by_path = {"path": snippet.source_file.path, "start_line": 1, "spans": []}
    count = services.gold_import(project=project, text=json.dumps(good))
    task.refresh_from_db()
    assert count == 1 and task.is_control
    assert task.gold_spans == [{"start": 17, "end": 25, "category": "NAME", "context": "real"}]

    other = factories.TaskFactory(project=project)
    bad = {"snippet": other.snippet.pk, "spans": [{"start": 0, "end": 9999, "category": "NAME"}]}
    with pytest.raises(DomainError, match="Line 2: Span 0-9999 lies outside"):
        services.gold_import(project=project, text=json.dumps(by_path) + "\n" + json.dumps(bad))
    task.refresh_from_db()
    assert task.gold_spans  # the first line was rolled back with the second
    assert not other.__class__.objects.get(pk=other.pk).is_control


@pytest.mark.django_db
def test_gold_for_a_snippet_of_another_dataset_is_refused(project, mallory):
    foreign = factories.SnippetFactory(source_file__dataset=factories.DatasetFactory(owner=mallory))
    with pytest.raises(DomainError, match="Line 1: no such snippet"):
        services.gold_import(project=project, text=json.dumps({"snippet": foreign.pk, "spans": []}))
