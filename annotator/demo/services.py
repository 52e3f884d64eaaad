"""The demo seed: accounts, a synthetic dataset, generation projects and the quizzes.

Everything is written through the catalog and project services, inside one
transaction, so a failed seed leaves nothing behind and a second run finds the demo
dataset and stops.
"""

import random
from dataclasses import dataclass

from django.db import transaction

from annotator.accounts.models import User
from annotator.catalog.importing import FileRecord
from annotator.catalog.models import Dataset, Snippet
from annotator.catalog.services import dataset_create, dataset_import
from annotator.core.exceptions import DomainError
from annotator.core.taxonomy import Category
from annotator.demo import quizzes as quiz_data
from annotator.demo import synthetic
from annotator.detection.preannotation import dataset_preannotate
from annotator.projects.models import Project
from annotator.projects.services import (
    SpanInput,
    control_task_set,
    project_add_tasks,
    project_create,
    project_set_status,
)

DEMO_PASSWORD = "demo"  # demo only: set_password skips the validators that would refuse it
REQUESTER = "requester"
ANNOTATORS = ("annotator1", "annotator2", "annotator3")
DATASET_NAME = "Demo: synthetic source files"
DEMO_SEED = 2024
DEMO_FILES = 40
CONTROL_SHARE = 0.1


@dataclass(frozen=True)
class GenerationSpec:
    name: str
    categories: tuple[str, ...]
    show_suggestions: bool = False


GENERATION_PROJECTS = (
    GenerationSpec(
        "Demo: names, emails, usernames and IP addresses",
        (Category.NAME, Category.EMAIL, Category.USERNAME, Category.IP_ADDRESS),
    ),
    # The second project shows the detector's suggestions, to demonstrate pre-annotation;
    # the first keeps them off (the default), so its crowd is not anchored.
    GenerationSpec(
        "Demo: passwords, keys and IDs",
        (Category.PASSWORD, Category.KEY, Category.ID),
        show_suggestions=True,
    ),
)

INSTRUCTIONS = (
    "Select every piece of personal data of this project's categories in the snippet: "
    "exactly the characters of the value, no quotes, ports or prefixes. Names, emails and "
    "usernames also get a context: license (copyright and author lines), placeholder "
    "(obviously fake example data) or real. If the snippet has none, mark it 'no PII'. "
    "When unsure, use AMBIGUOUS rather than guessing."
)

# Examples and counter-examples shown with the instructions, per category.
EXAMPLES = {
    Category.NAME: [
        ("# Copyright 2021 Jane Roe", True, "A person in a copyright line: NAME, license."),
        ("solver = NewtonSolver()", False, "Algorithms named after people are not names."),
    ],
    Category.EMAIL: [
        ('contact = "m.ortiz@gmail.com"', True, "The address only, without quotes."),
        ("ssh-ed25519-cert-v01@openssh.com", False, "An algorithm id, not a mailbox."),
    ],
    Category.USERNAME: [
        ("https://github.com/lkarlsson/tools", True, "The user in a GitHub URL."),
        ("@param host the server", False, "@param is a doc tag, not a handle."),
    ],
    Category.IP_ADDRESS: [
        ('DB_HOST = "10.1.2.3"', True, "Private addresses count too."),
        ('VERSION = "1.4.2.10"', False, "A version number is not an IP; nor is 127.0.0.1."),
    ],
    Category.PASSWORD: [
        ('password="Marigold77"', True, "A literal password: the value only."),
        ("password: ${DB_PASSWORD}", False, "A template variable, not a password."),
    ],
    Category.KEY: [
        ("AKIA4HX7T2QPLM9WZ3RB", True, "An AWS access key id."),
        ('API_KEY = "your-api-key-here"', False, "A descriptive placeholder, not a key."),
    ],
    Category.ID: [
        ("arn:aws:iam::493817264053:role/ci", True, "The 12-digit AWS account id."),
        ('request_id = "7f3c9e2a-51b4-4d8e"', False, "Request ids do not identify a person."),
    ],
}


def demo_exists() -> bool:
    return Dataset.objects.filter(owner__username=REQUESTER, name=DATASET_NAME).exists()


@transaction.atomic
def demo_seed(*, seed: int = DEMO_SEED, files: int = DEMO_FILES) -> bool:
    """Create the demo; returns False (and changes nothing) if it is already there."""
    if demo_exists():
        return False
    requester = _demo_user(REQUESTER, User.Role.REQUESTER)
    for username in ANNOTATORS:
        _demo_user(username, User.Role.ANNOTATOR)
    dataset = dataset_create(owner=requester, name=DATASET_NAME)
    generated = {f.path: f for f in synthetic.generate_files(files, seed)}
    dataset_import(dataset=dataset, records=[_record(f) for f in generated.values()])
    dataset_preannotate(dataset=dataset)
    rng = random.Random(seed)
    for spec in GENERATION_PROJECTS:
        _generation_project(requester, dataset, spec, generated, rng)
    for quiz in quiz_data.quizzes():
        _quiz_project(requester, quiz)
    return True


def _demo_user(username: str, role: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _record(f: synthetic.SyntheticFile) -> FileRecord:
    return FileRecord(
        path=f.path, data=f.content, language=f.language, license=f.license,
        repository=f.repository,
    )  # fmt: skip


def _examples(categories) -> list[dict]:
    return [
        {"category": c, "text": text, "is_pii": is_pii, "explanation": why}
        for c in categories
        for text, is_pii, why in EXAMPLES[c]
    ]


def _generation_project(requester, dataset, spec, generated, rng) -> Project:
    project = project_create(
        owner=requester, dataset=dataset, name=spec.name, categories=spec.categories,
        kind=Project.Kind.GENERATION, overlap=3, control_rate=CONTROL_SHARE, reward_cents=5,
        instructions=INSTRUCTIONS, examples=_examples(spec.categories),
        show_suggestions=spec.show_suggestions,
    )  # fmt: skip
    project_add_tasks(project=project)
    for snippet, gold in _control_candidates(dataset, spec.categories, generated, rng):
        control_task_set(project=project, snippet=snippet, gold=gold)
    return project_set_status(project=project, status=Project.Status.ACTIVE)


def _control_candidates(dataset, categories, generated, rng):
    """About CONTROL_SHARE of the snippets, each with gold cut from the synthetic truth.

    Snippets that hold only part of a span (a key block across a snippet edge) have no
    clean gold and are never picked.
    """
    snippets = list(Snippet.objects.filter(dataset=dataset).select_related("source_file"))
    clean = []
    for snippet in snippets:
        truth = generated[snippet.source_file.path]
        if snippet.source_file.content != truth.content:
            raise DomainError(f"{truth.path} changed on import; its truth offsets are unusable.")
        start, end = snippet.start_offset, snippet.start_offset + len(snippet.text)
        if not synthetic.spans_cut_by_window(truth.spans, start=start, end=end):
            spans = synthetic.spans_in_window(
                truth.spans, start=start, end=end, categories=categories
            )
            clean.append(
                (snippet, [SpanInput(s.start, s.end, s.category, s.context) for s in spans])
            )
    count = max(1, round(len(snippets) * CONTROL_SHARE))
    return rng.sample(clean, min(count, len(clean)))


def _quiz_project(requester, quiz: quiz_data.Quiz) -> Project:
    dataset = dataset_create(owner=requester, name=f"Demo quiz: {quiz.title}")
    questions = {q.path: q for q in quiz.questions}
    dataset_import(
        dataset=dataset, records=[FileRecord(path=p, data=q.text) for p, q in questions.items()]
    )
    project = project_create(
        owner=requester, dataset=dataset, name=quiz.title, categories=[quiz.category],
        kind=Project.Kind.QUIZ, overlap=1, control_rate=1.0, pass_score=80,
        instructions=quiz.instructions, examples=_examples([quiz.category]),
    )  # fmt: skip
    for snippet in Snippet.objects.filter(dataset=dataset).select_related("source_file"):
        question = questions[snippet.source_file.path]
        control_task_set(
            project=project, snippet=snippet, gold=question.gold, explanation=question.explanation
        )
    return project_set_status(project=project, status=Project.Status.ACTIVE)
