"""`manage.py redact` end to end: each input kind, the report, hostile archives, --keep,
project labels, Celery batches and resuming a run that stopped half way."""

import io
import json
import os
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotator.catalog.importing import cut_snippets
from annotator.demo import synthetic
from annotator.detection import detect, services
from annotator.detection.jobs import redact_batch
from annotator.detection.models import RedactionItem, RedactionRun
from annotator.detection.redaction import redact_text
from annotator.projects.models import FinalSpan, Task
from tests import factories

pytestmark = pytest.mark.django_db

FILES = synthetic.generate_files(8, seed=11)


def expected_text(content: str) -> str:
    return redact_text(content, detect(content))[0]


def write_tree(root: Path, files=FILES) -> Path:
    for file in files:
        target = root / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content, encoding="utf-8")
    return root


def write_jsonl(path: Path, files=FILES) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for file in files:
            record = {"path": file.path, "content": file.content, "license": file.license}
            out.write(json.dumps(record) + "\n")
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def tree_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def members() -> dict[str, bytes]:
    return {f.path: f.content.encode() for f in FILES}


def test_jsonl_keeps_the_records_and_replaces_only_content(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl")
    call_command("redact", input=str(source), output=str(tmp_path / "out.jsonl"))
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["path"] for r in records] == [f.path for f in FILES]
    assert [r["license"] for r in records] == [f.license for f in FILES]
    assert [r["content"] for r in records] == [expected_text(f.content) for f in FILES]
    assert "<PASSWORD>" in "".join(r["content"] for r in records)
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_report_counts_replacements_per_category_and_skipped_files(tmp_path):
    root = write_tree(tmp_path / "src")
    (root / "blob.bin").write_bytes(b"\x00\x01binary")
    (root / "link.py").symlink_to(root / FILES[0].path)
    call_command("redact", input=str(root), output=str(tmp_path / "out"))
    report = json.loads((tmp_path / "out.report.json").read_text())
    wanted = Counter(s.label for f in FILES for s in detect(f.content))
    assert report["replaced"] == dict(wanted)
    assert report["files_processed"] == len(FILES)
    assert report["files_skipped"] == {"binary": 1, "link": 1}
    assert report["characters"] == sum(len(f.content) for f in FILES)


@pytest.mark.parametrize("kind", ["directory", "zip", "tar.gz"])
def test_folders_and_archives_come_out_as_a_redacted_tree(tmp_path, kind):
    if kind == "directory":
        source = write_tree(tmp_path / "src")
    elif kind == "zip":
        source = write_zip(tmp_path / "in.zip", members())
    else:
        source = write_tar_gz(tmp_path / "in.tar.gz", members())
    call_command("redact", input=str(source), output=str(tmp_path / "out"))
    assert tree_of(tmp_path / "out") == {f.path: expected_text(f.content).encode() for f in FILES}


def test_bytes_that_are_not_utf8_survive_outside_the_spans(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    (root / "latin1.py").write_bytes(b'# caf\xe9\npassword = "hunter2"\n')
    call_command("redact", input=str(root), output=str(tmp_path / "out"))
    assert (tmp_path / "out/latin1.py").read_bytes() == b'# caf\xe9\npassword = "<PASSWORD>"\n'


@pytest.mark.parametrize("name", ["../escape.py", "/etc/passwd"], ids=["dot-dot", "absolute"])
def test_a_hostile_archive_is_refused_before_anything_is_written(tmp_path, name):
    source = write_zip(tmp_path / "evil.zip", {"ok.py": b"x = 1\n", name: b"y = 2\n"})
    with pytest.raises(CommandError, match=r"evil\.zip"):
        call_command("redact", input=str(source), output=str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    assert not RedactionRun.objects.exists()


def test_an_existing_output_is_not_overwritten(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl")
    (tmp_path / "out.jsonl").write_text("precious\n")
    with pytest.raises(CommandError, match="already exists"):
        call_command("redact", input=str(source), output=str(tmp_path / "out.jsonl"))
    assert (tmp_path / "out.jsonl").read_text() == "precious\n"


def test_keep_license_leaves_the_copyright_header_alone(tmp_path):
    file = FILES[0]
    source = write_jsonl(tmp_path / "in.jsonl", [file])
    call_command("redact", input=str(source), output=str(tmp_path / "out.jsonl"), keep="license")
    content = json.loads((tmp_path / "out.jsonl").read_text())["content"]
    license_values = [
        file.content[s.start : s.end] for s in detect(file.content) if s.context == "license"
    ]
    assert license_values
    assert all(value in content for value in license_values)
    assert "<KEY>" in content  # what is not in the header is still replaced
    report = json.loads((tmp_path / "out.jsonl.report.json").read_text())
    assert sum(report["kept"].values()) == len(license_values)


def test_unknown_keep_context_is_refused(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl")
    with pytest.raises(CommandError, match="--keep"):
        call_command("redact", input=str(source), output=str(tmp_path / "o.jsonl"), keep="real")


# --- Project labels ----------------------------------------------------------------------


def labeled_project(requester, files, categories):
    """A project whose final labels are the synthetic truth, snippet by snippet."""
    project = factories.ProjectFactory(owner=requester, categories=categories)
    for file in files:
        source = factories.SourceFileFactory(
            dataset=project.dataset, path=file.path, content=file.content
        )
        for piece in cut_snippets(file.content):
            snippet = factories.SnippetFactory(
                source_file=source,
                index=piece.index,
                start_line=piece.start_line,
                start_offset=piece.start_offset,
                text=piece.text,
                line_count=piece.line_count,
            )
            task = factories.TaskFactory(project=project, snippet=snippet, status=Task.Status.FINAL)
            end = piece.start_offset + len(piece.text)
            gold = synthetic.spans_in_window(
                file.spans, start=piece.start_offset, end=end, categories=categories
            )
            FinalSpan.objects.bulk_create(
                FinalSpan(
                    task=task,
                    start=s.start,
                    end=s.end,
                    category=s.category,
                    context=s.context,
                    confidence=1.0,
                    support=3,
                    method="majority",
                )
                for s in gold
            )
    return project


def test_project_labels_are_mapped_back_to_whole_files(tmp_path, requester):
    categories = ["NAME", "EMAIL", "IP_ADDRESS", "PASSWORD"]
    labeled, unlabeled = FILES[:3], FILES[3]
    project = labeled_project(requester, labeled, categories)
    source = write_jsonl(tmp_path / "in.jsonl", [*labeled, unlabeled])
    call_command(
        "redact",
        input=str(source),
        output=str(tmp_path / "out.jsonl"),
        labels="project",
        project=project.pk,
    )
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(records) == len(labeled)  # the unlabeled file is not written unredacted
    for file, record in zip(labeled, records, strict=True):
        truth = [DetectedSpanLike(s) for s in file.spans if s.category in categories]
        assert record["content"] == redact_text(file.content, truth)[0]
    report = json.loads((tmp_path / "out.jsonl.report.json").read_text())
    assert report["files_skipped"] == {"unlabeled": 1}
    assert set(report["replaced"]) <= set(categories)


def DetectedSpanLike(span):
    from annotator.detection.types import DetectedSpan

    return DetectedSpan(span.start, span.end, span.category, span.context)


def test_project_labels_need_a_project(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl")
    with pytest.raises(CommandError, match="--project"):
        call_command(
            "redact", input=str(source), output=str(tmp_path / "o.jsonl"), labels="project"
        )


# --- Jobs and resuming -------------------------------------------------------------------


def test_jobs_enqueue_one_batch_per_slice_on_commit_and_run_idempotently(
    tmp_path, django_capture_on_commit_callbacks
):
    source = write_tree(tmp_path / "src")
    with django_capture_on_commit_callbacks() as callbacks:
        call_command(
            "redact", input=str(source), output=str(tmp_path / "out"), jobs=True, batch_size=3
        )
    run = RedactionRun.objects.get()
    assert len(callbacks) == 3  # 8 files in batches of 3
    batches = [
        list(ids)
        for ids in (
            run.items.order_by("position").values_list("pk", flat=True)[i : i + 3]
            for i in range(0, 8, 3)
        )
    ]
    for batch in batches:
        redact_batch(run.pk, batch)
    redact_batch(run.pk, batches[0])  # a redelivered job finds nothing left to do
    run.refresh_from_db()
    assert run.status == RedactionRun.Status.DONE
    assert set(run.items.values_list("attempts", flat=True)) == {1}
    assert tree_of(tmp_path / "out") == {f.path: expected_text(f.content).encode() for f in FILES}


def test_a_run_stopped_by_an_unwritable_output_resumes_without_redoing_anything(tmp_path):
    source = write_tree(tmp_path / "src")
    reference = tmp_path / "reference"
    call_command("redact", input=str(source), output=str(reference))

    output = tmp_path / "out"
    run = services.redaction_run_create(input_path=source, output_path=output)
    folders = sorted({Path(f.path).parts[0] for f in FILES})
    blocked = folders[len(folders) // 2]
    output.mkdir()
    (output / blocked).write_text("a file where a folder must go")
    with pytest.raises(CommandError, match=rf"Redaction run #{run.pk} stopped"):
        call_command("redact", resume=run.pk, batch_size=2)
    run.refresh_from_db()
    assert run.status == RedactionRun.Status.FAILED
    done_before = {i.key: (output / i.key).stat().st_ino for i in run.items.filter(status="done")}
    assert 0 < len(done_before) < len(FILES)

    (output / blocked).unlink()
    call_command("redact", resume=run.pk)
    run.refresh_from_db()
    assert run.status == RedactionRun.Status.DONE
    assert set(run.items.values_list("status", flat=True)) == {RedactionItem.Status.DONE}
    assert set(run.items.values_list("attempts", flat=True)) == {1}  # each file redacted once
    assert {k: (output / k).stat().st_ino for k in done_before} == done_before  # not rewritten
    assert tree_of(output) == tree_of(reference)
    assert not list(output.rglob("*.tmp"))


def test_a_jsonl_run_stopped_half_way_resumes_into_the_same_output(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl")
    call_command("redact", input=str(source), output=str(tmp_path / "reference.jsonl"))

    run = services.redaction_run_create(input_path=source, output_path=tmp_path / "out.jsonl")
    ids = list(run.items.order_by("position").values_list("pk", flat=True))
    services.redaction_batch_run(run=run, item_ids=ids[1:4], finish=False)  # then a crash
    assert run.items.filter(status="done").count() == 3
    assert not (tmp_path / "out.jsonl").exists()

    call_command("redact", resume=run.pk, batch_size=2)
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "reference.jsonl").read_bytes()
    assert set(run.items.values_list("attempts", flat=True)) == {1}


def test_a_malformed_record_fails_alone_and_is_retried_by_a_resume(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", FILES[:2])
    with source.open("a") as out:
        out.write('{"path": "x.py", "content": 7}\n')
    call_command("redact", input=str(source), output=str(tmp_path / "out.jsonl"))
    run = RedactionRun.objects.get()
    assert run.report["files_processed"] == 2 and run.report["files_failed"] == 1
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2
    with pytest.raises(CommandError, match="already finished"):
        call_command("redact", resume=run.pk)


def test_resuming_an_unknown_run_says_so(db):
    with pytest.raises(CommandError, match="No redaction run #999"):
        call_command("redact", resume=999)


def test_progress_counts_items_per_status(tmp_path):
    run = services.redaction_run_create(
        input_path=write_tree(tmp_path / "src"), output_path=tmp_path / "out"
    )
    assert services.redaction_run_progress(run=run)["pending"] == len(FILES)
    services.redaction_run_execute(run=run)
    progress = services.redaction_run_progress(run=run)
    assert progress["done"] == len(FILES) and progress["pending"] == 0
    assert os.path.exists(run.report_path)
