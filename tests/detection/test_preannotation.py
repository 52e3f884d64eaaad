"""Pre-annotation: the detector's spans stored as suggestions, per snippet, as a job."""

import json

import pytest
from django.core.management import CommandError, call_command

from annotator.catalog import jobs as catalog_jobs
from annotator.catalog import services as catalog_services
from annotator.catalog.importing import FileRecord
from annotator.core import progress
from annotator.core.models import Job
from annotator.detection import jobs, model, preannotation
from annotator.detection.models import Suggestion
from annotator.detection.preannotation import SnippetBounds, spans_in_snippets
from annotator.detection.types import DetectedSpan
from tests import factories
from tests.catalog.archives import write_zip

pytestmark = pytest.mark.django_db

HEADER = "# Copyright 2021 Jane Roe <jane.roe@corp.test>\n"
FILLER = "".join(f"value_{i} = {i}\n" for i in range(53))  # lines 2-54
LONG_FILE = HEADER + FILLER + "HOST = '10.0.4.17'\n" + "x = 1\n" * 5  # the IP on line 55


def import_files(dataset, files: dict[str, str]) -> None:
    records = [FileRecord(path, text) for path, text in files.items()]
    catalog_services.dataset_import(dataset=dataset, records=records)


def suggestion_texts(dataset, source=Suggestion.RULES) -> set[tuple[str, int, str, str]]:
    """(text, snippet index, category, context) of every suggestion of the dataset."""
    rows = Suggestion.objects.filter(snippet__dataset=dataset, source=source).select_related(
        "snippet"
    )
    return {(s.snippet.text[s.start : s.end], s.snippet.index, s.category, s.context) for s in rows}


# --- pure --------------------------------------------------------------------------------


def test_a_span_is_moved_into_the_offsets_of_its_snippet():
    content = "aaaa\nbbbb\ncccc\n"
    snippets = [SnippetBounds(1, 0, 5), SnippetBounds(2, 5, 10), SnippetBounds(3, 10, 15)]
    found = list(spans_in_snippets(content, [DetectedSpan(6, 9, "NAME")], snippets))
    assert found == [(2, DetectedSpan(1, 4, "NAME"))]


def test_a_span_across_a_snippet_boundary_is_cut_without_the_whitespace_at_the_cut():
    content = "key = AAAA\nBBBB\n"
    snippets = [SnippetBounds(1, 0, 11), SnippetBounds(2, 11, 16)]
    found = list(spans_in_snippets(content, [DetectedSpan(6, 15, "KEY", score=0.5)], snippets))
    assert found == [
        (1, DetectedSpan(6, 10, "KEY", score=0.5)),
        (2, DetectedSpan(0, 4, "KEY", score=0.5)),
    ]


def test_the_source_of_a_model_is_its_file_name():
    assert preannotation.source_name(None) == "rules"
    assert preannotation.source_name("/m/models/project-12.joblib") == "model:project-12"


# --- the service -------------------------------------------------------------------------


def test_suggestions_land_in_snippet_offsets_with_category_and_context(dataset):
    import_files(dataset, {"app/settings.py": LONG_FILE})
    summary = preannotation.dataset_preannotate(dataset=dataset)
    assert suggestion_texts(dataset) == {
        ("Jane Roe", 0, "NAME", "license"),
        ("jane.roe@corp.test", 0, "EMAIL", "license"),
        ("10.0.4.17", 1, "IP_ADDRESS", "real"),  # line 55: the second snippet
    }
    assert (summary.files, summary.snippets, summary.suggestions) == (1, 2, 3)
    assert 0 < Suggestion.objects.get(category="NAME").score <= 1


def test_running_again_replaces_the_suggestions_of_the_same_source_only(dataset):
    import_files(dataset, {"a.py": LONG_FILE})
    snippet = dataset.snippets.get(index=1)
    stale = Suggestion.objects.create(snippet=snippet, start=0, end=5, category="ID")
    other = Suggestion.objects.create(
        snippet=snippet, start=0, end=5, category="KEY", source="model:older"
    )
    preannotation.dataset_preannotate(dataset=dataset)
    first = suggestion_texts(dataset)
    preannotation.dataset_preannotate(dataset=dataset)
    assert suggestion_texts(dataset) == first and len(first) == 3
    assert Suggestion.objects.filter(source="rules").count() == 3
    assert not Suggestion.objects.filter(pk=stale.pk).exists()
    assert Suggestion.objects.filter(pk=other.pk).exists()


def test_other_datasets_keep_their_suggestions(dataset, requester):
    other = factories.DatasetFactory(owner=requester)
    import_files(dataset, {"a.py": LONG_FILE})
    import_files(other, {"b.py": LONG_FILE})
    preannotation.dataset_preannotate(dataset=other)
    preannotation.dataset_preannotate(dataset=dataset)
    assert len(suggestion_texts(other)) == 3 and len(suggestion_texts(dataset)) == 3


def test_work_goes_in_batches_of_files_with_progress_after_each(dataset):
    files = {f"f{n}.py": f"{HEADER}x = {n}\n" for n in range(5)}
    import_files(dataset, files)
    calls = []
    summary = preannotation.dataset_preannotate(
        dataset=dataset, batch_files=2, on_progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert (summary.files, summary.snippets, summary.suggestions) == (5, 5, 10)


def test_a_batch_also_ends_at_its_character_budget(dataset):
    import_files(dataset, {f"f{n}.py": f"{HEADER}x = {n}\n" for n in range(3)})
    calls = []
    preannotation.dataset_preannotate(
        dataset=dataset, batch_chars=len(HEADER) + 10, on_progress=lambda d, t: calls.append(d)
    )
    assert calls == [0, 1, 2, 3]


def test_each_batch_costs_a_fixed_number_of_queries(dataset, django_assert_max_num_queries):
    import_files(dataset, {f"f{n}.py": f"{HEADER}x = {n}\n" for n in range(40)})
    # count, file sizes, then per batch: snippets, contents, delete, insert (+ savepoints)
    with django_assert_max_num_queries(10):
        summary = preannotation.dataset_preannotate(dataset=dataset)
    assert summary.suggestions == 80


def test_an_empty_dataset_is_done_at_once(dataset):
    summary = preannotation.dataset_preannotate(dataset=dataset)
    assert (summary.files, summary.snippets, summary.suggestions) == (0, 0, 0)


def test_a_trained_model_writes_under_its_own_source(dataset, tmp_path):
    examples = [
        model.Example(f"{HEADER}name = 'Ann Lee {i}'\n", ((17, 25, "NAME", "license"),))
        for i in range(6)
    ]
    path = model.save(
        model.train(examples, categories=["NAME"], max_iterations=5), tmp_path / "tiny.joblib"
    )
    import_files(dataset, {"a.py": LONG_FILE})
    preannotation.dataset_preannotate(dataset=dataset)
    preannotation.dataset_preannotate(
        dataset=dataset, model=preannotation.model_load(str(path)), source="model:tiny"
    )
    assert Suggestion.objects.filter(source="model:tiny").exists()
    assert len(suggestion_texts(dataset)) == 3  # the rules' own suggestions stay


# --- the job -----------------------------------------------------------------------------


def test_starting_enqueues_the_job_on_commit(
    requester, dataset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = preannotation.dataset_preannotate_start(dataset=dataset, owner=requester)
    assert len(callbacks) == 1
    assert (job.kind, job.status, job.owner) == (Job.Kind.DETECT, Job.Status.PENDING, requester)
    assert job.params == {"dataset_id": dataset.pk, "model_path": "", "source": "rules"}


def test_the_job_preannotates_and_records_the_summary(requester, dataset):
    import_files(dataset, {"a.py": LONG_FILE, "b.py": HEADER})
    job = preannotation.dataset_preannotate_start(dataset=dataset, owner=requester)
    jobs.dataset_preannotate(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.progress == 1.0
    assert job.result["dataset_id"] == dataset.pk
    assert (job.result["snippets"], job.result["suggestions"]) == (3, 5)
    assert job.result["snippets_per_second"] > 0
    assert progress.progress_get(job.pk) is None  # live progress ends with the job


def test_the_reporter_puts_live_progress_in_the_cache(requester, dataset):
    job = preannotation.dataset_preannotate_start(dataset=dataset, owner=requester)
    preannotation.progress_reporter(job)(30, 120)
    live = progress.progress_get(job.pk)
    assert (live.fraction, live.done, live.total, live.unit) == (0.25, 30, 120, "snippets")
    assert live.rate > 0


def test_a_finished_job_delivered_again_does_nothing(requester, dataset):
    import_files(dataset, {"a.py": LONG_FILE})
    job = preannotation.dataset_preannotate_start(dataset=dataset, owner=requester)
    jobs.dataset_preannotate(job.pk)
    job.refresh_from_db()
    finished_at, ids = job.finished_at, set(Suggestion.objects.values_list("pk", flat=True))
    jobs.dataset_preannotate(job.pk)
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (Job.Status.DONE, finished_at)
    assert set(Suggestion.objects.values_list("pk", flat=True)) == ids


def test_a_job_whose_row_is_gone_returns_quietly():
    assert jobs.dataset_preannotate(987654) is None


def test_a_job_whose_dataset_was_deleted_fails_clearly(requester, dataset):
    job = preannotation.dataset_preannotate_start(dataset=dataset, owner=requester)
    dataset.delete()
    jobs.dataset_preannotate(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "deleted" in job.error


def test_a_job_with_an_unreadable_model_fails_clearly(requester, dataset, tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_text("not a model")
    job = preannotation.dataset_preannotate_start(dataset=dataset, owner=requester, model_path=bad)
    jobs.dataset_preannotate(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "Cannot load the detector model" in job.error
    assert job.params["source"] == "model:bad"


# --- after an import ---------------------------------------------------------------------


def test_a_finished_upload_import_enqueues_preannotation_of_its_dataset(
    requester, dataset, tmp_path, django_capture_on_commit_callbacks
):
    path = write_zip(tmp_path / "up.zip", {"a.py": LONG_FILE.encode()})
    imported = catalog_services.dataset_import_start(
        owner=requester, dataset=dataset, upload_path=path
    )
    with django_capture_on_commit_callbacks() as callbacks:
        catalog_jobs.dataset_import(imported.pk)
    detect_job = Job.objects.get(kind=Job.Kind.DETECT)
    assert len(callbacks) == 1
    assert callbacks[0].args == (jobs.dataset_preannotate, detect_job.pk)
    assert (detect_job.params["dataset_id"], detect_job.owner) == (dataset.pk, requester)
    jobs.dataset_preannotate(detect_job.pk)
    assert len(suggestion_texts(dataset)) == 3


def test_a_failed_import_enqueues_nothing(requester, dataset, tmp_path):
    path = write_zip(tmp_path / "up.zip", {"/etc/passwd": b"x\n"})
    imported = catalog_services.dataset_import_start(
        owner=requester, dataset=dataset, upload_path=path
    )
    catalog_jobs.dataset_import(imported.pk)
    assert not Job.objects.filter(kind=Job.Kind.DETECT).exists()


def test_the_import_command_enqueues_preannotation_on_commit(
    requester, tmp_path, django_capture_on_commit_callbacks
):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(LONG_FILE)
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("import_dataset", "corpus", str(tmp_path / "src"), "--json")
    job = Job.objects.get(kind=Job.Kind.DETECT)
    assert job.params["dataset_id"] == requester.datasets.get(name="corpus").pk
    assert [c.args for c in callbacks] == [(jobs.dataset_preannotate, job.pk)]


# --- the command -------------------------------------------------------------------------


def test_the_preannotate_command_runs_in_process_and_prints_a_summary(dataset, capsys):
    import_files(dataset, {"a.py": LONG_FILE})
    call_command("preannotate", str(dataset.pk), "--json")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["dataset_id"], summary["snippets"], summary["suggestions"]) == (
        dataset.pk,
        2,
        3,
    )
    assert summary["source"] == "rules"
    assert len(suggestion_texts(dataset)) == 3


def test_the_preannotate_command_refuses_an_unknown_dataset_or_model(dataset, tmp_path):
    with pytest.raises(CommandError, match="No dataset #987654"):
        call_command("preannotate", "987654")
    with pytest.raises(CommandError, match="Cannot load the detector model"):
        call_command("preannotate", str(dataset.pk), "--model", str(tmp_path / "missing.joblib"))
