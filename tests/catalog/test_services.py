"""dataset_create / dataset_import / the import job, on PostgreSQL."""

import random

import pytest
from django.db import connection

from annotator.catalog import jobs, services
from annotator.catalog.importing import FileRecord, ImportFailure, Skip, iter_records
from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core.exceptions import DomainError
from annotator.core.models import Job
from tests.catalog.archives import code_file, write_jsonl, write_tar_gz, write_zip

pytestmark = pytest.mark.django_db


def row_counts() -> tuple[int, int, int]:
    return Dataset.objects.count(), SourceFile.objects.count(), Snippet.objects.count()


def test_dataset_create_refuses_a_duplicate_name(requester):
    services.dataset_create(owner=requester, name="corpus")
    with pytest.raises(DomainError, match="already have a dataset named 'corpus'"):
        services.dataset_create(owner=requester, name="corpus")


def test_two_requesters_may_use_the_same_dataset_name(requester, mallory):
    services.dataset_create(owner=requester, name="corpus")
    assert services.dataset_create(owner=mallory, name="corpus").owner == mallory


def test_import_writes_files_and_fifty_line_snippets(dataset):
    records = [
        FileRecord("a.py", code_file(1, lines=120), license="MIT", repository="org/a"),
        FileRecord("b.js", "let b = 1\r\nlet c = 2"),
    ]
    summary = services.dataset_import(dataset=dataset, records=records)
    assert summary.files_imported == 2
    assert summary.snippets_created == 4
    a = SourceFile.objects.get(dataset=dataset, path="a.py")
    assert (a.language, a.license, a.repository, a.line_count) == ("Python", "MIT", "org/a", 120)
    assert a.created_at is not None and a.updated_at is not None
    snippets = list(a.snippets.order_by("index"))
    assert [(s.index, s.start_line, s.line_count) for s in snippets] == [
        (0, 1, 50),
        (1, 51, 50),
        (2, 101, 20),
    ]
    assert all(s.dataset_id == dataset.pk and s.created_at for s in snippets)
    b = SourceFile.objects.get(dataset=dataset, path="b.js")
    assert b.content == "let b = 1\nlet c = 2"
    assert b.snippets.get().text == "let b = 1\nlet c = 2"


def test_snippet_offsets_map_back_to_the_stored_file_text(dataset):
    rng = random.Random(7)
    records = []
    for n in range(60):
        lines = [f"v{n}_{i} = '{'é' * rng.randint(0, 5)}'" for i in range(rng.randint(1, 180))]
        ending = "\n" if n % 2 else ""
        records.append(FileRecord(f"f{n}.py", "\n".join(lines) + ending))
    services.dataset_import(dataset=dataset, records=records)
    for source in SourceFile.objects.filter(dataset=dataset).prefetch_related("snippets"):
        pieces = sorted(source.snippets.all(), key=lambda s: s.index)
        assert "".join(s.text for s in pieces) == source.content
        for s in pieces:
            assert source.content[s.start_offset : s.start_offset + len(s.text)] == s.text
        assert sum(s.line_count for s in pieces) == source.line_count


def test_import_counts_skips_by_reason(dataset, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    settings.IMPORT_MAX_LINE_CHARS = 80
    records = [
        FileRecord("ok.py", "ok = 1\n"),
        FileRecord("bin.py", b"\x00\x01"),
        FileRecord("big.py", "x = 1\n" * 200),
        FileRecord("wide.py", "x" * 81),
        FileRecord("empty.py", ""),
        FileRecord("dup.py", "ok = 1\n"),
        FileRecord("latin.py", b"caf\xe9\n"),
        Skip("link.py", "link"),
    ]
    summary = services.dataset_import(dataset=dataset, records=records)
    assert summary.files_imported == 2
    assert summary.replacements == 1
    skipped = {k: v for k, v in summary.files_skipped.items() if v}
    assert skipped == {
        "binary": 1, "too_large": 1, "line_too_long": 1, "empty": 1, "duplicate": 1, "link": 1,
    }  # fmt: skip


def test_files_already_in_the_dataset_are_skipped_as_duplicates(dataset):
    services.dataset_import(dataset=dataset, records=[FileRecord("a.py", "a = 1\n")])
    summary = services.dataset_import(
        dataset=dataset, records=[FileRecord("copy.py", b"a = 1\r\n"), FileRecord("b.py", "b\n")]
    )
    assert (summary.files_imported, summary.files_skipped["duplicate"]) == (1, 1)
    assert SourceFile.objects.filter(dataset=dataset).count() == 2


def test_the_same_file_may_be_in_two_datasets(requester):
    first = services.dataset_create(owner=requester, name="one")
    second = services.dataset_create(owner=requester, name="two")
    for dataset in (first, second):
        summary = services.dataset_import(dataset=dataset, records=[FileRecord("a.py", "a\n")])
        assert summary.files_imported == 1


def test_a_failing_import_leaves_the_database_as_it_was(dataset, tmp_path, monkeypatch):
    # Small batches, so some rows were really written before the bad line.
    monkeypatch.setattr(services, "BATCH_FILES", 3)
    services.dataset_import(dataset=dataset, records=[FileRecord("old.py", "old\n")])
    before = row_counts()
    good = [{"content": code_file(n).decode(), "path": f"f{n}.py"} for n in range(10)]
    path = write_jsonl(tmp_path / "in.jsonl", good)
    with path.open("a") as stream:
        stream.write('{"content": "oops", "path": \n')
    with pytest.raises(ImportFailure, match="line 11"):
        services.dataset_import(dataset=dataset, records=iter_records(path))
    assert row_counts() == before


@pytest.mark.parametrize("kind", ["zip-escape", "tar-truncated", "empty"])
def test_bad_archives_leave_the_database_as_it_was(dataset, tmp_path, kind, monkeypatch):
    monkeypatch.setattr(services, "BATCH_FILES", 2)
    members = {f"f{n}.py": code_file(n) for n in range(8)}
    if kind == "zip-escape":
        path = write_zip(tmp_path / "a.zip", members | {"../../etc/cron.d/x": b"x\n"})
    elif kind == "tar-truncated":
        whole = write_tar_gz(tmp_path / "whole.tar.gz", members)
        path = tmp_path / "a.tar.gz"
        path.write_bytes(whole.read_bytes()[:-40])
    else:
        path = write_zip(tmp_path / "a.zip", {})
    before = row_counts()
    with pytest.raises(ImportFailure):
        services.dataset_import(dataset=dataset, records=iter_records(path))
    assert row_counts() == before


def test_import_reports_progress_per_batch(dataset, monkeypatch):
    monkeypatch.setattr(services, "BATCH_FILES", 4)
    calls = []
    records = [FileRecord(f"f{n}.py", f"n = {n}\n") for n in range(10)]
    services.dataset_import(
        dataset=dataset, records=records, on_progress=lambda *args: calls.append(args)
    )
    assert calls == [(4, 10), (8, 10), (10, 10)]


def test_import_uses_copy_and_few_queries_on_postgresql(dataset, django_assert_max_num_queries):
    records = [FileRecord(f"f{n}.py", code_file(n)) for n in range(300)]
    with django_assert_max_num_queries(10):
        summary = services.dataset_import(dataset=dataset, records=records)
    assert summary.snippets_created == 900
    assert connection.vendor == "postgresql"


def test_sqlite_fallback_writes_the_same_rows(dataset):
    """The demo path (bulk_create) yields the same rows as COPY."""
    records = [FileRecord("a.py", code_file(1, lines=70)), FileRecord("b.py", "b\n")]
    limits = services.import_limits()
    prepared = iter([services.importing.prepare_file(r, limits) for r in records])
    assert services._bulk_create_batch(dataset, prepared) == (2, 3)
    a = SourceFile.objects.get(path="a.py")
    pieces = [(s.start_line, s.line_count) for s in a.snippets.order_by("index")]
    assert pieces == [(1, 50), (51, 20)]


# --- the job ---------------------------------------------------------------------------


def make_job(requester, dataset, path) -> Job:
    return services.dataset_import_start(owner=requester, dataset=dataset, upload_path=path)


def test_import_start_enqueues_the_job_on_commit(
    requester, dataset, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = make_job(requester, dataset, tmp_path / "x.zip")
    assert len(callbacks) == 1
    assert (job.kind, job.status, job.owner) == (Job.Kind.IMPORT, Job.Status.PENDING, requester)
    assert job.params["dataset_id"] == dataset.pk


def test_import_job_imports_the_upload_and_records_the_summary(requester, dataset, tmp_path):
    path = write_tar_gz(tmp_path / "up.tar.gz", {f"f{n}.py": code_file(n) for n in range(3)})
    job = make_job(requester, dataset, path)
    jobs.dataset_import(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["files_imported"] == 3
    assert job.result["snippets_created"] == 9
    assert job.progress == 1.0
    assert not path.exists()  # the upload is removed once imported
    assert SourceFile.objects.filter(dataset=dataset).count() == 3


def test_import_job_fails_with_the_clear_message(requester, dataset, tmp_path):
    path = write_zip(tmp_path / "up.zip", {"a.py": b"a\n", "/etc/passwd": b"x\n"})
    job = make_job(requester, dataset, path)
    jobs.dataset_import(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "member '/etc/passwd' has an absolute path" in job.error
    assert SourceFile.objects.filter(dataset=dataset).count() == 0


def test_a_finished_import_job_delivered_again_does_nothing(requester, dataset, tmp_path):
    path = write_zip(tmp_path / "up.zip", {"a.py": b"a\n"})
    job = make_job(requester, dataset, path)
    jobs.dataset_import(job.pk)
    job.refresh_from_db()
    finished_at = job.finished_at
    jobs.dataset_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (Job.Status.DONE, finished_at)
    assert SourceFile.objects.filter(dataset=dataset).count() == 1


def test_an_import_job_whose_row_is_gone_returns_quietly():
    assert jobs.dataset_import(987654) is None


def test_an_import_job_with_a_missing_upload_fails_clearly(requester, dataset, tmp_path):
    job = make_job(requester, dataset, tmp_path / "gone.zip")
    jobs.dataset_import(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "uploaded file is missing" in job.error
