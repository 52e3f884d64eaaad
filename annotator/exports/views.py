from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from annotator.accounts.decorators import requester_required
from annotator.exports import formats, selectors


@require_GET
@requester_required
def project_jsonl(request: HttpRequest, project_id: int) -> StreamingHttpResponse:
    """Stream a project's annotations, one JSON record per task (see exports.formats)."""
    project = get_object_or_404(selectors.exportable_projects(request.user), pk=project_id)
    rows = selectors.project_export_rows(project=project)
    response = StreamingHttpResponse(formats.jsonl_lines(rows), content_type="application/x-ndjson")
    filename = f"project-{project.pk}-annotations.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
