"""python manage.py import_dataset NAME PATH [--json] [--owner USERNAME]"""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from annotator.accounts.models import User
from annotator.catalog.models import Dataset, Snippet, SourceFile
from tests import factories
from tests.catalog.archives import code_file, write_jsonl, write_zip

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> dict:
    out = StringIO()
    call_command("import_dataset", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_json_summary_is_one_object(requester, tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"content": code_file(1).decode(), "path": "a.py"},
            {"content": code_file(1).decode(), "path": "copy.py"},
            {"content": "", "path": "empty.py"},
            {"content": "caf\udce9\n", "path": "bad.py"},
        ],
    )
    summary = run("corpus", str(path))
    assert summary["dataset"] == "corpus"
    assert summary["files_imported"] == 2
    assert summary["files_skipped"]["duplicate"] == 1
    assert summary["files_skipped"]["empty"] == 1
    assert summary["snippets_created"] == 4
    assert summary["decoding_replacements"] == 1
    assert summary["bytes"] > 0 and summary["seconds"] >= 0
    assert Dataset.objects.get(name="corpus").owner == requester


@pytest.mark.django_db
def test_importing_again_into_the_same_dataset_skips_what_is_there(requester, tmp_path):
    path = write_zip(tmp_path / "src.zip", {"a.py": code_file(1), "b.py": code_file(2)})
    run("corpus", str(path))
    again = run("corpus", str(path))
    assert (again["files_imported"], again["files_skipped"]["duplicate"]) == (0, 2)
    assert Dataset.objects.count() == 1


@pytest.mark.django_db
def test_directory_import_with_human_output(requester, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_bytes(code_file(1, lines=60))
    out, err = StringIO(), StringIO()
    call_command("import_dataset", "tree", str(tmp_path / "src"), stdout=out, stderr=err)
    assert "Imported 1 files" in out.getvalue()
    assert "2 snippets" in out.getvalue()
    assert Snippet.objects.filter(dataset__name="tree").count() == 2


@pytest.mark.django_db
def test_a_failing_import_raises_and_creates_nothing(requester, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"content": "a", "path": "a.py"}\nnot json\n')
    with pytest.raises(CommandError, match="line 2: malformed JSON"):
        call_command("import_dataset", "corpus", str(path))
    assert (Dataset.objects.count(), SourceFile.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_owner_must_be_unambiguous(requester, mallory, tmp_path):
    path = write_zip(tmp_path / "src.zip", {"a.py": b"a\n"})
    with pytest.raises(CommandError, match="not exactly one requester"):
        call_command("import_dataset", "corpus", str(path))
    run("corpus", str(path), "--owner", "mallory")
    assert Dataset.objects.get().owner == mallory


@pytest.mark.django_db
def test_unknown_owner_is_a_clear_error(requester, tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_dataset", "x", str(tmp_path), "--owner", "nobody")


@pytest.mark.django_db
def test_an_annotator_alone_is_not_picked_as_owner(bob, tmp_path):
    path = write_zip(tmp_path / "src.zip", {"a.py": b"a\n"})
    with pytest.raises(CommandError, match="not exactly one requester"):
        call_command("import_dataset", "corpus", str(path))


def _manage(*args: str) -> subprocess.CompletedProcess:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = os.environ | {"DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "manage.py", "import_dataset", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_with_the_message_and_zero_on_success(tmp_path):
    factories.UserFactory(username="owner", role=User.Role.REQUESTER)
    bad = write_zip(tmp_path / "bad.zip", {"a.py": b"a\n", "../evil.py": b"x\n"})
    failed = _manage("corpus", str(bad))
    assert failed.returncode == 1
    assert "member '../evil.py' points outside the archive" in failed.stderr
    assert Dataset.objects.count() == 0

    good = write_zip(tmp_path / "good.zip", {"a.py": code_file(1)})
    done = _manage("corpus", str(good), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["snippets_created"] == 3
    assert SourceFile.objects.get().path == "a.py"
