from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's CSP: files from drf-spectacular-sidecar, the init
    script as its own request (script-src 'self'), the page styles in a static file."""

    url_name = "api:schema"
    template_name = "api/swagger_ui.html"


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer in the API's error shape, not an HTML page."""
    raise NotFound("No such endpoint. See /api/docs/ for the list.")
