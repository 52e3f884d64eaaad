"""dump_project / load_project: a whole project round-trips through JSONL."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from annotator.projects import backup
from annotator.projects.models import Project, Task
from annotator.quality.models import LedgerEntry, Skill, SkillEvent
from tests.reliability.builders import busy_project

pytestmark = pytest.mark.django_db


def dump(project_name: str) -> list[dict]:
    out = io.StringIO()
    call_command("dump_project", project_name, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def load(records: list[dict], tmp_path, *args) -> str:
    path = tmp_path / "dump.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = io.StringIO()
    call_command("load_project", str(path), *args, stdout=out)
    return out.getvalue()


def without_ids(records: list[dict]) -> list[dict]:
    """Replace every id and reference by the record's position among its type."""
    ordinal: dict[tuple[str, int], int] = {}
    counters: dict[str, int] = {}
    result = []
    for record in records:
        record = dict(record)
        kind = backup.KIND_BY_TYPE.get(record["type"])
        if "id" in record:
            n = counters[record["type"]] = counters.get(record["type"], 0) + 1
            ordinal[record["type"], record.pop("id")] = n
        for name, target in kind.refs.items() if kind else ():
            if target != backup.USER and record[name] is not None:
                record[name] = ordinal[target, record[name]]
        result.append(record)
    return result


def test_every_foreign_key_of_a_dumped_model_is_declared():
    backup.check_kinds()


def test_a_project_loaded_under_a_new_name_equals_the_original_field_by_field(requester, tmp_path):
    project = busy_project(requester)
    before = dump(project.name)
    types = {r["type"] for r in before}
    assert types >= {"user", "dataset", "file", "snippet", "project", "task", "final_span",
                     "assignment", "annotation", "span", "control_answer", "sanction",
                     "ledger", "skill", "skill_event", "policy", "agreement"}  # fmt: skip

    message = load(before, tmp_path, "--rename", "copy")

    assert "Loaded project 'copy'" in message
    after = dump("copy")
    assert len(after) == len(before)
    renamed = {"header": "project", "project": "name"}
    for old, new in zip(without_ids(before), without_ids(after), strict=True):
        if old["type"] in renamed:
            old[renamed[old["type"]]] = new[renamed[new["type"]]]
        if old["type"] == "dataset":
            assert new["name"] == f"{old['name']} (restored 1)"
            old["name"] = new["name"]
        assert old == new
    copy = Project.objects.get(name="copy")
    assert copy.pk != project.pk and copy.dataset_id != project.dataset_id
    assert Task.objects.filter(project=copy).count() == 5
    ledger = LedgerEntry.objects.filter(project=copy)
    assert list(ledger.values_list("kind", flat=True)).count("payout") == 3


@pytest.mark.django_db(transaction=True)  # TRUNCATE cannot run inside the test's transaction
def test_dump_flush_load_dump_gives_the_same_records_apart_from_ids(requester, tmp_path):
    project = busy_project(requester)
    first = dump(project.name)
    events = SkillEvent.objects.count()
    call_command("flush", interactive=False, verbosity=0)
    assert get_user_model().objects.count() == 0

    load(first, tmp_path)

    second = dump(project.name)
    assert without_ids(second) == without_ids(first)
    cat = get_user_model().objects.get(username="cat")
    assert not cat.has_usable_password() and not cat.is_staff and not cat.is_superuser
    assert Skill.objects.get(annotator=cat, category="EMAIL").value == 40
    assert SkillEvent.objects.count() == events


def test_a_dump_whose_project_name_exists_is_refused_without_rename(requester, tmp_path):
    project = busy_project(requester)
    records = dump(project.name)
    with pytest.raises(CommandError, match="--rename"):
        load(records, tmp_path)
    assert Project.objects.filter(name=project.name).count() == 1


def test_a_dump_broken_half_way_loads_nothing(requester, tmp_path):
    project = busy_project(requester)
    records = dump(project.name)
    users, projects = get_user_model().objects.count(), Project.objects.count()
    broken = [r for r in records if r["type"] != "annotation"]  # spans lose their parent
    with pytest.raises(IntegrityError):  # the database refuses the orphan spans
        load(broken, tmp_path, "--rename", "broken")
    assert Project.objects.count() == projects
    assert get_user_model().objects.count() == users


def test_existing_users_keep_their_own_skills(requester, tmp_path):
    project = busy_project(requester)
    records = dump(project.name)
    cat = get_user_model().objects.get(username="cat")
    Skill.objects.filter(annotator=cat, category="EMAIL").update(value=77)
    load(records, tmp_path, "--rename", "copy")
    assert Skill.objects.get(annotator=cat, category="EMAIL").value == 77
