from django.urls import path

from annotator.exports import views

app_name = "exports"

urlpatterns = [
    path("projects/<int:project_id>/", views.project_export, name="project-export"),
    path(
        "projects/<int:project_id>/annotations.jsonl",
        views.project_jsonl,
        name="project-jsonl",
    ),
    path("projects/<int:project_id>/download", views.project_download, name="project-download"),
    path("projects/<int:project_id>/jobs", views.job_start, name="job-start"),
    path("jobs/<int:job_id>/", views.job_status, name="job-status"),
    path("jobs/<int:job_id>/download", views.job_download, name="job-download"),
]
