from django.db.models import Count

from annotator.catalog.models import Dataset
from annotator.projects.models import Project


def datasets_for_requester(user):
    qs = Dataset.objects.all() if user.is_superuser else Dataset.objects.filter(owner=user)
    return qs.annotate(file_count=Count("files", distinct=True))


def projects_for_requester(user):
    qs = Project.objects.all() if user.is_superuser else Project.objects.filter(owner=user)
    return qs.select_related("dataset").annotate(task_count=Count("tasks"))


def home_context(*, user) -> dict:
    return {
        "datasets": datasets_for_requester(user),
        "projects": projects_for_requester(user),
    }
