"""Exports: the streamed download, export jobs and their files (requesters, own projects).

Formats (`format=`), all streamed in a stable order:

* jsonl: one snippet a line; kind=raw: every annotation, kind=aggregated: final spans;
* bio: token-level BIO labels, CoNLL style, context folded into the label (B-NAME_LICENSE);
* bigcode: BigCode's PII dataset layout {id, text, language, fragments};
* files: one source file a line, spans in file offsets merged across snippets.

Aggregated exports hold finalised generation tasks with the current round's final spans,
rejected spans left out; control tasks are never in them (they carry gold, not crowd
labels).
"""

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.api import serializers as s
from annotator.api.permissions import IsRequester
from annotator.api.schema import with_errors
from annotator.api.selectors import projects_for_requester
from annotator.exports import formats, selectors, services
from annotator.exports.spec import FORMATS, ExportSpec, SpecError, export_spec, spec_from_query


def _own_project(request, project_id: int):
    return get_object_or_404(projects_for_requester(request.user), pk=project_id)


class _IgnoreFormatParameter(BaseContentNegotiation):
    """Here `?format=` names the export format, not a DRF renderer: always answer JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _invalid(exc: SpecError) -> ValidationError:
    return ValidationError({exc.field: [str(exc)]})


EXPORT_PARAMETERS = [
    OpenApiParameter(
        "format",
        str,
        enum=list(FORMATS),
        default="jsonl",
        description="jsonl (one snippet a line), bio (CoNLL-style BIO tokens, text/plain), "
        "bigcode (BigCode PII dataset layout), files (whole-file spans). "
        "bio, bigcode and files need kind=aggregated.",
    ),
    OpenApiParameter(
        "kind",
        str,
        enum=["raw", "aggregated"],
        default="raw",
        description="raw: every annotation with annotator and time spent. aggregated: the "
        "final spans of finalised tasks (current round, rejected spans left out, "
        "control tasks left out).",
    ),
    OpenApiParameter(
        "categories",
        str,
        description="Comma-separated category codes (NAME,EMAIL): keep only those spans.",
    ),
    OpenApiParameter(
        "min_confidence",
        float,
        description="aggregated only: drop final spans whose confidence is below this (0-1).",
    ),
    OpenApiParameter(
        "only_validated",
        bool,
        default=False,
        description="Keep only snippets whose validation accepted them.",
    ),
]


def export_response(project, spec: ExportSpec) -> StreamingHttpResponse:
    chunks = selectors.export_chunks(project=project, spec=spec)
    response = StreamingHttpResponse(
        formats.batched_text(chunks), content_type=spec.flavour.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{spec.filename(project.pk)}"'
    return response


class ProjectExport(APIView):
    permission_classes = [IsRequester]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _IgnoreFormatParameter

    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses=with_errors(
            {
                (200, "application/x-ndjson"): OpenApiResponse(
                    OpenApiTypes.STR, description="JSON Lines (jsonl, bigcode, files)."
                ),
                (200, "text/plain"): OpenApiResponse(
                    OpenApiTypes.STR, description="BIO tokens (bio): token, start, end, label."
                ),
            },
            400,
            403,
            404,
        ),
        summary="Stream the project's annotations or final labels",
    )
    def get(self, request, project_id: int):
        project = _own_project(request, project_id)
        try:
            spec = spec_from_query(request.query_params)
        except SpecError as exc:
            raise _invalid(exc) from exc
        return export_response(project, spec)


@extend_schema(
    request=s.ExportJobInSerializer,
    responses=with_errors({202: s.JobAcceptedSerializer}, 400, 403, 404),
    summary="Write a large export to a file in the background",
    description="Poll GET /api/v1/jobs/{job}; when done, `result.download` streams the file.",
)
@api_view(["POST"])
@permission_classes([IsRequester])
def project_exports(request, project_id: int):
    project = _own_project(request, project_id)
    data = s.ExportJobInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = data.validated_data
    try:
        spec = export_spec(
            format=fields["format"], kind=fields["kind"], **fields.get("filters", {})
        )
    except SpecError as exc:
        where = {exc.field: [str(exc)]}
        raise ValidationError(where if exc.field in fields else {"filters": where}) from exc
    job = services.export_start(owner=request.user, project=project, spec=spec)
    location = reverse("api:job-detail", kwargs={"job_id": job.pk})
    return Response(
        {"job": job.pk}, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
    )


@extend_schema(
    responses=with_errors(
        {(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}, 403, 404
    ),
    summary="Download a finished export job's file (the job's owner only)",
)
@api_view(["GET"])
@permission_classes([IsRequester])
def export_download(request, job_id: int):
    job = get_object_or_404(selectors.export_jobs_for_owner(request.user), pk=job_id)
    path = services.export_file(job)
    if path is None:
        raise Http404("This export is not ready, or its file is gone.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.result["filename"],
        content_type=job.result["content_type"],
    )
