from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("annotator.labeling.urls")),
    path("accounts/", include("annotator.accounts.urls")),
    path("dashboard/", include("annotator.dashboard.urls")),
    path("exports/", include("annotator.exports.urls")),
    path("admin/", admin.site.urls),
]
