"""The annotator's side: take the next task, submit, skip, report; and /me.

Same rules as the labeling pages: only active projects (labeling.selectors), only
the caller's own assignments, and the same services underneath.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from annotator.api import selectors
from annotator.api import serializers as s
from annotator.api.errors import Conflict
from annotator.api.schema import with_errors
from annotator.core.exceptions import DomainError
from annotator.labeling import selectors as labeling_selectors
from annotator.labeling import services as labeling
from annotator.labeling.models import Annotation, Assignment
from annotator.projects.models import Project
from annotator.projects.services import SpanInput
from annotator.quality.services.access import access_decision, with_access


@extend_schema(
    request=None,
    responses=with_errors(
        {200: s.AssignmentSerializer, 204: OpenApiResponse(description="No task available now.")},
        403,
        404,
    ),
    summary="Take the next task (or the one already held) in a project",
)
@api_view(["POST"])
def assignment_next(request, project_id: int):
    if request.user.is_requester:
        raise PermissionDenied("Requesters do not take tasks; use an annotator account.")
    active = Project.objects.filter(status=Project.Status.ACTIVE)
    # The project, the access check and the live assignment's id in one query (the
    # reasons only on refusal, the assignment only when there is one).
    projects = with_access(annotator=request.user, projects=active)
    projects = labeling_selectors.with_live_assignment(annotator=request.user, projects=projects)
    project = get_object_or_404(projects, pk=project_id)
    # The same rules, and the same words, as the labeling page's "no work" screen.
    decision = access_decision(annotator=request.user, project=project)
    if not decision.allowed:
        raise PermissionDenied(decision.message)
    # Checked once: the service takes this decision instead of checking again.
    assignment = labeling.assignment_next(annotator=request.user, project=project, access=decision)
    if assignment is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    # The service loaded the task, snippet and file with the assignment.
    return Response(s.AssignmentSerializer(selectors.task_payload(assignment)).data)


def _own_assignment(request, assignment_id: int) -> Assignment:
    return get_object_or_404(
        labeling_selectors.assignment_rows_for_annotator(request.user), pk=assignment_id
    )


@extend_schema(
    request=s.SubmitSerializer,
    responses=with_errors({200: s.AnnotationSerializer}, 400, 404, 409),
    summary="Submit spans (or no_pii); submitting twice returns the first annotation",
)
@api_view(["POST"])
def assignment_submit(request, assignment_id: int):
    data = s.SubmitSerializer(data=request.data)
    if not data.is_valid():
        _own_assignment(request, assignment_id)  # someone else's is a 404, even when malformed
        raise ValidationError(data.errors)
    spans = [SpanInput(**span) for span in data.validated_data.pop("spans")]
    try:
        # The service's row lock is also the ownership check: one statement, not two.
        # Its span rules are the page's: the API accepts nothing the page would refuse.
        annotation = labeling.assignment_submit_spans(
            annotator=request.user, assignment_id=assignment_id, spans=spans,
            **data.validated_data,
        )  # fmt: skip
    except Assignment.DoesNotExist as exc:
        raise Http404("No Assignment matches the given query.") from exc  # as _own_assignment
    except DomainError as exc:
        # The state after the refusal tells a bad request from a closed assignment.
        assignment = Assignment.objects.only("status", "lease_expires_at").get(pk=assignment_id)
        if assignment.status == Assignment.Status.SUBMITTED:  # a concurrent twin won
            annotation = labeling.assignment_submit(assignment=assignment)
        elif (
            assignment.status != Assignment.Status.IN_PROGRESS
            or assignment.lease_expires_at <= timezone.now()
        ):
            raise Conflict(str(exc)) from exc
        else:
            raise ValidationError({"spans": [str(exc)]}) from exc
    return Response(s.AnnotationSerializer(_with_spans(annotation)).data)


def _with_spans(annotation: Annotation) -> dict:
    """The annotation with its spans; a "no PII" answer has none (assignment_submit never
    stores both), so it spares the query for them."""
    spans = [] if annotation.no_pii else annotation.spans.all()
    fields = ("id", "assignment_id", "no_pii", "problem", "created_at")
    return {**{name: getattr(annotation, name) for name in fields}, "spans": spans}


@extend_schema(
    request=None,
    responses=with_errors({200: s.AssignmentStatusSerializer}, 404, 409),
    summary="Give the task back",
)
@api_view(["POST"])
def assignment_skip(request, assignment_id: int):
    assignment = _own_assignment(request, assignment_id)
    try:
        assignment = labeling.assignment_skip(assignment=assignment)
    except DomainError as exc:
        raise Conflict(str(exc)) from exc
    return Response(s.AssignmentStatusSerializer(assignment).data)


@extend_schema(
    request=s.ReportSerializer,
    responses=with_errors({200: s.AssignmentStatusSerializer}, 400, 404, 409),
    summary="Report a snippet that cannot be labeled (binary, garbled, not code, other)",
)
@api_view(["POST"])
def assignment_report(request, assignment_id: int):
    assignment = _own_assignment(request, assignment_id)
    data = s.ReportSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        labeling.assignment_report(assignment=assignment, **data.validated_data)
    except DomainError as exc:
        assignment.refresh_from_db(fields=["status"])
        if assignment.status == Assignment.Status.SUBMITTED:
            raise Conflict(str(exc)) from exc
        raise ValidationError({"comment": [str(exc)]}) from exc
    assignment.refresh_from_db(fields=["status"])
    return Response(s.AssignmentStatusSerializer(assignment).data)


@extend_schema(responses=with_errors({200: s.MeSerializer}))
@api_view(["GET"])
def me(request):
    return Response(s.MeSerializer(selectors.me_profile(request.user)).data)
