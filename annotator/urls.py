from django.contrib import admin
from django.urls import include, path

from annotator.core.views import healthz

urlpatterns = [
    path("", include("annotator.labeling.urls")),
    path("accounts/", include("annotator.accounts.urls")),
    path("dashboard/", include("annotator.dashboard.urls")),
    path("exports/", include("annotator.exports.urls")),
    path("quality/", include("annotator.quality.urls")),
    path("api/", include("annotator.api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
