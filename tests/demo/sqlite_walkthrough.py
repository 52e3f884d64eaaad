"""Run as a script by test_demo_on_sqlite: the demo's own configuration (SQLite, Celery
in-process), from migrate to submitted answers and an aggregated task. Prints a JSON line."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from annotator.accounts.models import User  # noqa: E402
from annotator.labeling.models import Annotation, Assignment  # noqa: E402
from annotator.projects.models import Project, Task  # noqa: E402
from annotator.quality.models import Skill  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
project = Project.objects.get(name__startswith="Demo: names")
annotators = User.objects.filter(role=User.Role.ANNOTATOR).order_by("username")
annotators.update(consented_at=timezone.now())
for user in annotators:  # as if every quiz were passed
    for category in project.categories:
        Skill.objects.update_or_create(annotator=user, category=category, defaults={"value": 90})
statuses = []
for user in annotators:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    home = client.get("/")
    statuses.append(home.status_code)
    for _ in range(2):
        statuses.append(client.get(f"/projects/{project.pk}/work/").status_code)
        assignment = Assignment.objects.get(annotator=user, status="in_progress")
        url = f"/assignments/{assignment.pk}/submit/"
        response = client.post(url, {"no_pii": "on"}, headers={"HX-Request": "true"})
        statuses.append(response.status_code)
print(
    json.dumps(
        {
            "vendor": connection.vendor,
            "statuses": sorted(set(statuses)),
            "annotations": Annotation.objects.count(),
            "aggregated": Task.objects.filter(project=project, aggregated_at__isnull=False).count(),
        }
    )
)
