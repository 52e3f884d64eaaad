"""`seed_demo` on PostgreSQL: accounts, dataset, projects, control tasks, quizzes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from annotator.accounts.models import User
from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core.taxonomy import TRAINING_ORDER
from annotator.demo import services
from annotator.demo.quizzes import quizzes
from annotator.demo.synthetic import generate_files
from annotator.projects.models import Project, Task
from annotator.projects.services import SpanInput, spans_validate


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return _seed()


def _generation_projects():
    return Project.objects.filter(kind=Project.Kind.GENERATION).order_by("pk")


def test_the_seed_prints_the_url_and_the_logins(seeded):
    assert "http://127.0.0.1:8000/" in seeded
    for username in ("requester", "annotator1", "annotator2", "annotator3"):
        assert username in seeded
    assert "demo" in seeded


def test_the_demo_accounts_log_in_with_password_demo(seeded, client):
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "requester": User.Role.REQUESTER,
        "annotator1": User.Role.ANNOTATOR,
        "annotator2": User.Role.ANNOTATOR,
        "annotator3": User.Role.ANNOTATOR,
    }
    for username in roles:
        assert client.login(request=HttpRequest(), username=username, password="demo")
    assert not client.login(request=HttpRequest(), username="requester", password="wrong")


def test_the_dataset_holds_files_in_several_languages_cut_into_snippets(seeded):
    dataset = Dataset.objects.get(name=services.DATASET_NAME)
    files = SourceFile.objects.filter(dataset=dataset)
    assert files.count() == services.DEMO_FILES
    assert len(set(files.values_list("language", flat=True))) >= 5
    assert Snippet.objects.filter(dataset=dataset).count() >= 2 * services.DEMO_FILES


def test_the_generation_projects_are_open_with_their_settings(seeded):
    projects = list(_generation_projects())
    assert [p.categories for p in projects] == [
        ["NAME", "EMAIL", "USERNAME", "IP_ADDRESS"],
        ["PASSWORD", "KEY", "ID"],
    ]
    snippets = Snippet.objects.filter(dataset=projects[0].dataset).count()
    for project in projects:
        assert project.status == Project.Status.ACTIVE
        assert (project.overlap, project.control_rate, project.reward_cents) == (3, 0.1, 5)
        assert project.instructions
        assert {e["category"] for e in project.examples} == set(project.categories)
        assert {e["is_pii"] for e in project.examples} == {True, False}
        assert project.tasks.count() == snippets
        controls = project.tasks.filter(is_control=True).count()
        assert abs(controls - snippets * 0.1) <= 1


def test_control_gold_matches_the_synthetic_truth(seeded):
    truth = {f.path: f for f in generate_files(services.DEMO_FILES, services.DEMO_SEED)}
    labeled = 0
    for project in _generation_projects():
        controls = Task.objects.filter(project=project, is_control=True).select_related(
            "snippet__source_file"
        )
        for task in controls:
            snippet, source = task.snippet, task.snippet.source_file
            gold = [SpanInput(**g) for g in task.gold_spans]
            spans_validate(spans=gold, text=snippet.text, categories=project.categories)
            expected = {
                (s.start - snippet.start_offset, s.end - snippet.start_offset, s.category)
                for s in truth[source.path].spans
                if s.category in project.categories
                and snippet.start_offset <= s.start
                and s.end <= snippet.start_offset + len(snippet.text)
            }
            assert {(g.start, g.end, g.category) for g in gold} == expected
            for g in gold:
                file_value = source.content[g.start + snippet.start_offset :][: g.end - g.start]
                assert snippet.text[g.start : g.end] == file_value
            labeled += len(gold)
    assert labeled > 0


def test_seven_quizzes_in_training_order_with_explained_gold(seeded):
    quiz_projects = list(Project.objects.filter(kind=Project.Kind.QUIZ).order_by("pk"))
    assert [p.categories for p in quiz_projects] == [[c] for c in TRAINING_ORDER]
    expected = {q.category: q for q in quizzes()}
    for project in quiz_projects:
        assert project.pass_score == 80 and project.status == Project.Status.ACTIVE
        tasks = list(project.tasks.select_related("snippet").order_by("snippet__source_file__path"))
        assert len(tasks) == len(expected[project.categories[0]].questions) >= 6
        for task in tasks:
            assert task.is_control and task.explanation
            gold = [SpanInput(**g) for g in task.gold_spans]
            spans_validate(spans=gold, text=task.snippet.text, categories=project.categories)
        golds = [
            task.snippet.text[g["start"] : g["end"]] for task in tasks for g in task.gold_spans
        ]
        assert golds == [
            q.text[s.start : s.end]
            for q in expected[project.categories[0]].questions
            for s in q.gold
        ]


def test_seeding_twice_changes_nothing(seeded):
    models = (User, Dataset, SourceFile, Snippet, Project, Task)
    before = {m.__name__: m.objects.count() for m in models}
    gold_before = list(Task.objects.order_by("pk").values_list("gold_spans", flat=True))

    output = _seed()

    assert "already seeded" in output
    assert {m.__name__: m.objects.count() for m in models} == before
    assert list(Task.objects.order_by("pk").values_list("gold_spans", flat=True)) == gold_before


def test_the_seed_keeps_an_existing_requesters_password(db):
    existing = User.objects.create_user(
        username="requester", password="own-secret-123", role=User.Role.REQUESTER
    )
    _seed()
    existing.refresh_from_db()
    assert existing.check_password("own-secret-123")
    assert Dataset.objects.filter(owner=existing, name=services.DATASET_NAME).exists()


def test_the_demo_dataset_is_preannotated_and_one_project_shows_suggestions(seeded):
    from annotator.detection.models import Suggestion

    dataset = Dataset.objects.get(name=services.DATASET_NAME)
    assert Suggestion.objects.filter(snippet__dataset=dataset).count() > 100
    shown = Project.objects.filter(dataset=dataset, show_suggestions=True)
    assert [p.name for p in shown] == ["Demo: passwords, keys and IDs"]
