"""Dump one project to JSONL and load it back (`dump_project` / `load_project`).

The dump is one stream of typed records, one JSON object a line, in dependency order:
a header, the users involved, the dataset with its files and snippets, the project and
its quality policy and agreement, tasks and final spans, assignments, annotations,
spans, verdicts, control answers, sanctions, ledger entries, then the skills and skill
events of the project's annotators. Every record has `type` and `id` (its primary key
in the source database); a reference to another record is its `id` under the field's
name (`"task": 17`), a reference to a user is the username.

Loading remaps every id, matches users by username (a missing user is created with an
unusable password, never staff), and runs in one transaction: a dump that fails half-way
leaves nothing. Rules for data that is not the project's alone:

* a user that already exists keeps their own skills and skill events (the live ones are
  newer than any backup); a user the load creates gets those of the dump;
* a dataset whose name the owner already uses is loaded as "<name> (restored N)";
* links that point outside the project (a validation project's source project and
  tasks, skill events of other projects) are dropped;
* `created_at` is kept, `updated_at` becomes the time of the load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime

from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core.exceptions import DomainError
from annotator.labeling.models import Annotation, Assignment, Span, SpanVerdict
from annotator.projects.models import Agreement, FinalSpan, Pipeline, Project, Task
from annotator.quality.models import (
    ControlAnswer,
    LedgerEntry,
    QualityPolicy,
    Sanction,
    Skill,
    SkillEvent,
)

FORMAT_VERSION = 1
USER = "user"
USER_FIELDS = ["username", "email", "first_name", "last_name", "role", "is_active", "consented_at"]
BATCH = 1000


@dataclass(frozen=True)
class Kind:
    """How one model is written: its record type and where each foreign key points."""

    type: str
    model: type[models.Model]
    refs: dict[str, str]  # FK field -> record type it points to (or USER)
    dropped: tuple[str, ...] = ()  # FKs that may point outside the project: not kept
    user_scoped: bool = False  # skills and skill events: restored for created users only


KINDS = [
    Kind("dataset", Dataset, {"owner": USER}),
    Kind("file", SourceFile, {"dataset": "dataset"}),
    Kind("snippet", Snippet, {"dataset": "dataset", "source_file": "file"}),
    Kind("pipeline", Pipeline, {"owner": USER}),
    Kind(
        "project",
        Project,
        {"owner": USER, "dataset": "dataset", "pipeline": "pipeline"},
        dropped=("source_project",),
    ),
    Kind("policy", QualityPolicy, {"project": "project"}),
    Kind("agreement", Agreement, {"project": "project"}),
    Kind("task", Task, {"project": "project", "snippet": "snippet"}, dropped=("source_task",)),
    Kind("final_span", FinalSpan, {"task": "task"}),
    Kind("assignment", Assignment, {"task": "task", "annotator": USER}),
    Kind("annotation", Annotation, {"assignment": "assignment"}),
    Kind("span", Span, {"annotation": "annotation"}),
    Kind("verdict", SpanVerdict, {"annotation": "annotation"}),
    Kind(
        "control_answer",
        ControlAnswer,
        {"annotator": USER, "project": "project", "task": "task", "assignment": "assignment"},
    ),
    Kind("sanction", Sanction, {"annotator": USER, "project": "project", "created_by": USER}),
    Kind(
        "ledger", LedgerEntry, {"annotator": USER, "project": "project", "assignment": "assignment"}
    ),
    Kind("skill", Skill, {"annotator": USER}, user_scoped=True),
    Kind(
        "skill_event",
        SkillEvent,
        {"annotator": USER, "actor": USER, "project": "project"},
        user_scoped=True,
    ),
]
KIND_BY_TYPE = {kind.type: kind for kind in KINDS}


def plain_fields(model: type[models.Model]) -> list[models.Field]:
    """Fields copied as they are: not the key, not relations, not `updated_at`."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.is_relation and f.name != "updated_at"
    ]


def check_kinds() -> None:
    """Every foreign key of a dumped model is either followed or dropped on purpose.

    A new foreign key that nobody declared would silently vanish from backups.
    """
    for kind in KINDS:
        fks = {f.name for f in kind.model._meta.concrete_fields if f.is_relation}
        unknown = fks - set(kind.refs) - set(kind.dropped)
        if unknown:
            raise AssertionError(f"{kind.type}: declare {sorted(unknown)} in backup.KINDS")


# --- dump -------------------------------------------------------------------------------


def _querysets(project: Project) -> dict[str, models.QuerySet]:
    annotator_ids = _annotator_ids(project)
    return {
        "dataset": Dataset.objects.filter(pk=project.dataset_id),
        "file": SourceFile.objects.filter(dataset_id=project.dataset_id),
        "snippet": Snippet.objects.filter(dataset_id=project.dataset_id),
        "pipeline": Pipeline.objects.filter(pk=project.pipeline_id),
        "project": Project.objects.filter(pk=project.pk),
        "policy": QualityPolicy.objects.filter(project=project),
        "agreement": Agreement.objects.filter(project=project),
        "task": Task.objects.filter(project=project),
        "final_span": FinalSpan.objects.filter(task__project=project),
        "assignment": Assignment.objects.filter(task__project=project),
        "annotation": Annotation.objects.filter(assignment__task__project=project),
        "span": Span.objects.filter(annotation__assignment__task__project=project),
        "verdict": SpanVerdict.objects.filter(annotation__assignment__task__project=project),
        "control_answer": ControlAnswer.objects.filter(project=project),
        "sanction": Sanction.objects.filter(project=project),
        "ledger": LedgerEntry.objects.filter(project=project),
        "skill": Skill.objects.filter(annotator_id__in=annotator_ids),
        "skill_event": SkillEvent.objects.filter(annotator_id__in=annotator_ids),
    }


def _annotator_ids(project: Project) -> set[int]:
    ids: set[int] = set()
    ids.update(
        Assignment.objects.filter(task__project=project).values_list("annotator_id", flat=True)
    )
    ids.update(LedgerEntry.objects.filter(project=project).values_list("annotator_id", flat=True))
    ids.update(Sanction.objects.filter(project=project).values_list("annotator_id", flat=True))
    return ids


def _users(project: Project, querysets: dict[str, models.QuerySet]) -> models.QuerySet:
    ids = _annotator_ids(project) | {project.owner_id, project.dataset.owner_id}
    if project.pipeline_id:
        ids.add(project.pipeline.owner_id)
    ids.update(querysets["sanction"].exclude(created_by=None).values_list("created_by", flat=True))
    ids.update(querysets["skill_event"].exclude(actor=None).values_list("actor", flat=True))
    return get_user_model().objects.filter(pk__in=ids).order_by("pk")


def _record(kind: Kind, row: models.Model, usernames: dict[int, str], ids: dict) -> dict:
    record: dict = {"type": kind.type, "id": row.pk}
    for f in plain_fields(kind.model):
        record[f.name] = getattr(row, f.attname)
    for name, target in kind.refs.items():
        value = getattr(row, kind.model._meta.get_field(name).attname)
        if target == USER:
            record[name] = usernames.get(value)
        else:  # a link to a record outside the dump is not kept
            record[name] = value if value in ids[target] else None
    return record


def project_dump(*, project: Project) -> Iterator[dict]:
    """The project's records in dependency order (see the module docstring)."""
    querysets = _querysets(project)
    users = _users(project, querysets)
    yield {"type": "header", "version": FORMAT_VERSION, "project": project.name}
    usernames = {}
    for user in users:
        usernames[user.pk] = user.username
        yield {"type": USER, "id": user.pk, **{f: getattr(user, f) for f in USER_FIELDS}}
    ids: dict[str, set[int]] = {}
    for kind in KINDS:
        ids[kind.type] = set()
        for row in querysets[kind.type].order_by("pk").iterator(chunk_size=BATCH):
            ids[kind.type].add(row.pk)
            yield _record(kind, row, usernames, ids)


def _encode(value):
    # Full microseconds: Django's JSON encoder would cut times to milliseconds.
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} to a dump.")


def project_dump_write(*, project: Project, out: IO[str]) -> int:
    count = 0
    for record in project_dump(project=project):
        out.write(json.dumps(record, default=_encode, ensure_ascii=False) + "\n")
        count += 1
    return count


# --- load -------------------------------------------------------------------------------


@dataclass
class LoadResult:
    project: Project | None = None
    counts: dict[str, int] = field(default_factory=dict)
    users_created: list[str] = field(default_factory=list)


@dataclass
class _Loader:
    rename: str | None
    result: LoadResult = field(default_factory=LoadResult)
    users: dict[str, int] = field(default_factory=dict)  # username -> new pk
    created_users: set[str] = field(default_factory=set)
    ids: dict[str, dict[int, int]] = field(default_factory=dict)  # type -> old -> new pk

    def user(self, record: dict) -> None:
        User = get_user_model()
        existing = User.objects.filter(username=record["username"]).first()
        if existing is None:
            values = {f: _parse(User, f, record[f]) for f in USER_FIELDS}
            existing = User(**values)
            existing.set_unusable_password()
            existing.save()
            self.created_users.add(existing.username)
            self.result.users_created.append(existing.username)
        self.users[record["username"]] = existing.pk

    def rows(self, kind: Kind, records: list[dict]) -> None:
        if kind.user_scoped:
            records = [r for r in records if r["annotator"] in self.created_users]
        objs = [self._build(kind, r) for r in records]
        created = kind.model.objects.bulk_create(objs, batch_size=BATCH)
        # auto_now_add ignores a given value on insert: put the original time back.
        for obj, record in zip(created, records, strict=True):
            obj.created_at = parse_datetime(record["created_at"])
        kind.model.objects.bulk_update(created, ["created_at"], batch_size=BATCH)
        mapping = self.ids.setdefault(kind.type, {})
        for obj, record in zip(created, records, strict=True):
            mapping[record["id"]] = obj.pk
        self.result.counts[kind.type] = self.result.counts.get(kind.type, 0) + len(created)
        if kind.type == "project":
            self.result.project = created[0]

    def _build(self, kind: Kind, record: dict) -> models.Model:
        values = {
            f.name: _parse(kind.model, f.name, record[f.name]) for f in plain_fields(kind.model)
        }
        for name, target in kind.refs.items():
            attname = kind.model._meta.get_field(name).attname
            old = record.get(name)
            if old is None:
                values[attname] = None
            elif target == USER:
                values[attname] = self.users[old]
            else:
                values[attname] = self.ids.get(target, {}).get(old)
        if kind.type == "project":
            values["name"] = self._project_name(values["name"])
        if kind.type == "dataset":
            values["name"] = _free_dataset_name(values["name"], values["owner_id"])
        return kind.model(**values)

    def _project_name(self, name: str) -> str:
        name = self.rename or name
        if Project.objects.filter(name=name).exists():
            raise DomainError(
                f"A project named {name!r} already exists: load it under another name "
                "with --rename NEW_NAME."
            )
        return name


def _parse(model: type[models.Model], name: str, value):
    if value is None:
        return None
    kind = model._meta.get_field(name).get_internal_type()
    if kind == "DateTimeField":
        return parse_datetime(value)
    if kind == "DateField":
        return parse_date(value)
    return value


def _free_dataset_name(name: str, owner_id: int) -> str:
    taken = set(
        Dataset.objects.filter(
            Q(name=name) | Q(name__startswith=f"{name} (restored"), owner_id=owner_id
        ).values_list("name", flat=True)
    )
    if name not in taken:
        return name
    n = 1
    while f"{name} (restored {n})" in taken:
        n += 1
    return f"{name} (restored {n})"


def _batches(records: Iterable[dict]) -> Iterator[tuple[str, list[dict]]]:
    """Consecutive records of one type, at most BATCH at a time."""
    current: str | None = None
    batch: list[dict] = []
    for record in records:
        if record["type"] != current or len(batch) >= BATCH:
            if batch:
                yield current, batch  # type: ignore[misc]
            current, batch = record["type"], []
        batch.append(record)
    if batch:
        yield current, batch  # type: ignore[misc]


@transaction.atomic
def project_load(*, records: Iterable[dict], rename: str | None = None) -> LoadResult:
    """Load a dump (see the module docstring); DomainError for a dump it cannot take."""
    loader = _Loader(rename=rename)
    seen_header = False
    for type_, batch in _batches(records):
        if type_ == "header":
            if batch[0].get("version") != FORMAT_VERSION:
                raise DomainError(f"Unsupported dump version {batch[0].get('version')!r}.")
            seen_header = True
        elif not seen_header:
            raise DomainError("Not a project dump: the first line must be its header.")
        elif type_ == USER:
            for record in batch:
                loader.user(record)
        elif type_ in KIND_BY_TYPE:
            loader.rows(KIND_BY_TYPE[type_], batch)
        else:
            raise DomainError(f"Unknown record type {type_!r}.")
    if loader.result.project is None:
        raise DomainError("The dump holds no project.")
    return loader.result


def records_read(lines: Iterable[str]) -> Iterator[dict]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise DomainError(f"Line {number} is not JSON: {exc.msg}.") from None
