import hashlib

import factory
from django.utils import timezone

from annotator.accounts.models import User
from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core.taxonomy import Category
from annotator.labeling.models import Assignment
from annotator.projects.models import Project, Task
from annotator.quality.models import Skill

PASSWORD = "correct-horse-battery"

SAMPLE_CODE = (
    "# Copyright 2021 Jane Roe <jane.roe@corp.test>\n"
    "import requests\n"
    "\n"
    "HOST = '10.0.4.17'\n"
    "def fetch():\n"
    "\treturn requests.get(HOST)\n"
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.ANNOTATOR
    consented_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    annotator = factory.SubFactory(UserFactory)
    category = Category.NAME
    value = 80


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    name = factory.Sequence(lambda n: f"dataset-{n}")
    owner = factory.SubFactory(UserFactory, role=User.Role.REQUESTER)


class SourceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceFile

    dataset = factory.SubFactory(DatasetFactory)
    path = factory.Sequence(lambda n: f"src/module_{n}.py")
    language = "Python"
    content = factory.Sequence(lambda n: f"{SAMPLE_CODE}# file {n}\n")
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.content.encode()).hexdigest())
    line_count = factory.LazyAttribute(lambda o: len(o.content.splitlines()))


class SnippetFactory(factory.django.DjangoModelFactory):
    """A snippet that is the whole (short) file: index 0, line 1, offset 0."""

    class Meta:
        model = Snippet

    source_file = factory.SubFactory(SourceFileFactory)
    dataset = factory.SelfAttribute("source_file.dataset")
    index = 0
    start_line = 1
    start_offset = 0
    text = factory.SelfAttribute("source_file.content")
    line_count = factory.LazyAttribute(lambda o: max(1, len(o.text.splitlines())))


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"project-{n}")
    owner = factory.SubFactory(UserFactory, role=User.Role.REQUESTER)
    dataset = factory.SubFactory(DatasetFactory, owner=factory.SelfAttribute("..owner"))
    kind = Project.Kind.GENERATION
    status = Project.Status.ACTIVE
    categories = factory.LazyFunction(
        lambda: [Category.NAME, Category.EMAIL, Category.IP_ADDRESS, Category.PASSWORD]
    )
    overlap = 1
    control_rate = 0.0


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    snippet = factory.SubFactory(
        SnippetFactory, source_file__dataset=factory.SelfAttribute("...project.dataset")
    )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    task = factory.SubFactory(TaskFactory)
    annotator = factory.SubFactory(UserFactory)
    lease_expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(minutes=30))
