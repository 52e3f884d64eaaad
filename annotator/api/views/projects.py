"""Projects: create, start, pause, stats, control tasks (requesters, own projects).

The export endpoints live in `exports.py`.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotator.api import selectors
from annotator.api import serializers as s
from annotator.api.errors import Conflict
from annotator.api.pagination import Pagination
from annotator.api.permissions import IsRequester
from annotator.api.schema import with_errors
from annotator.catalog.models import Dataset
from annotator.core.exceptions import DomainError
from annotator.projects import services
from annotator.projects.models import Project
from annotator.projects.services import SpanInput


def _own_project(request, project_id: int) -> Project:
    return get_object_or_404(selectors.projects_for_requester(request.user), pk=project_id)


class ProjectCollection(generics.GenericAPIView):
    permission_classes = [IsRequester]
    pagination_class = Pagination
    serializer_class = s.ProjectSerializer

    def get_queryset(self):
        return selectors.projects_for_requester(self.request.user)

    @extend_schema(responses=with_errors({200: s.ProjectSerializer(many=True)}, 403))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset().select_related("dataset"))
        return self.get_paginated_response(s.ProjectSerializer(page, many=True).data)

    @extend_schema(
        request=s.ProjectCreateSerializer,
        responses=with_errors({201: s.ProjectSerializer}, 400, 403),
        summary="Create a project (draft) with a task for every snippet of the dataset",
    )
    def post(self, request):
        user = request.user
        # project_create only builds on the caller's own datasets (superusers: any).
        datasets = Dataset.objects.all() if user.is_superuser else user.datasets.all()
        data = s.ProjectCreateSerializer(data=request.data, datasets=datasets)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            with transaction.atomic():
                project = services.project_create(owner=user, **fields)
                services.project_add_tasks(project=project)
        except DomainError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        project = self.get_queryset().get(pk=project.pk)
        return Response(s.ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=with_errors({200: s.ProjectSerializer}, 403, 404))
@api_view(["GET"])
@permission_classes([IsRequester])
def project_detail(request, project_id: int):
    return Response(s.ProjectSerializer(_own_project(request, project_id)).data)


def _set_status(request, project_id: int, new_status: str) -> Response:
    project = _own_project(request, project_id)
    try:
        services.project_set_status(project=project, status=new_status)
    except DomainError as exc:
        raise Conflict(str(exc)) from exc
    return Response(s.ProjectSerializer(project).data)


@extend_schema(request=None, responses=with_errors({200: s.ProjectSerializer}, 403, 404, 409))
@api_view(["POST"])
@permission_classes([IsRequester])
def project_start(request, project_id: int):
    """Open the project to annotators (from draft or paused)."""
    return _set_status(request, project_id, Project.Status.ACTIVE)


@extend_schema(request=None, responses=with_errors({200: s.ProjectSerializer}, 403, 404, 409))
@api_view(["POST"])
@permission_classes([IsRequester])
def project_pause(request, project_id: int):
    """Stop handing out tasks; leases already given keep running."""
    return _set_status(request, project_id, Project.Status.PAUSED)


@extend_schema(responses=with_errors({200: s.ProjectStatsSerializer}, 403, 404))
@api_view(["GET"])
@permission_classes([IsRequester])
def project_stats(request, project_id: int):
    project = _own_project(request, project_id)
    return Response(s.ProjectStatsSerializer(selectors.project_stats(project)).data)


def _item_error(items: list[dict], index: int, field: str, message: str) -> ValidationError:
    """A 400 shaped like DRF's own list errors: {"items": {index: {field: [message]}}}."""
    text = f"Item {index} (snippet {items[index]['snippet']}): {message}"
    return ValidationError({"items": {index: {field: [text]}}})


@extend_schema(
    request=s.ControlTasksInSerializer,
    responses=with_errors({200: s.ControlTasksSerializer}, 400, 403, 404),
    summary="Make snippets control tasks with their gold spans (all items or none)",
)
@api_view(["POST"])
@permission_classes([IsRequester])
def control_tasks(request, project_id: int):
    project = _own_project(request, project_id)
    data = s.ControlTasksInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    items = data.validated_data["items"]
    snippets = selectors.snippets_by_id(project.dataset, [item["snippet"] for item in items])
    tasks = []
    with transaction.atomic():  # an error in item 7 leaves items 0-6 unwritten too
        for index, item in enumerate(items):
            snippet = snippets.get(item["snippet"])
            if snippet is None:
                raise _item_error(items, index, "snippet", "not in this project's dataset.")
            gold = [SpanInput(**span) for span in item["spans"]]
            try:
                task = services.control_task_set(
                    project=project, snippet=snippet, gold=gold, explanation=item["explanation"]
                )
            except DomainError as exc:
                raise _item_error(items, index, "spans", str(exc)) from exc
            tasks.append(task)
    return Response(s.ControlTasksSerializer({"tasks": tasks}).data)
