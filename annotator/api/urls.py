"""The REST contract, version 1. Paths are promised to scripts: never rename them."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from annotator.api.views import annotators, auth, datasets, docs, exports, labeling, projects

app_name = "api"

v1 = [
    path("auth/token", auth.token, name="token"),
    path("datasets", datasets.DatasetCollection.as_view(), name="datasets"),
    path("datasets/<int:dataset_id>", datasets.dataset_detail, name="dataset-detail"),
    path("datasets/<int:dataset_id>/files", datasets.dataset_files, name="dataset-files"),
    path(
        "datasets/<int:dataset_id>/snippets",
        datasets.SnippetList.as_view(),
        name="dataset-snippets",
    ),
    path("jobs/<int:job_id>", datasets.job_detail, name="job-detail"),
    path("projects", projects.ProjectCollection.as_view(), name="projects"),
    path("projects/<int:project_id>", projects.project_detail, name="project-detail"),
    path("projects/<int:project_id>/start", projects.project_start, name="project-start"),
    path("projects/<int:project_id>/pause", projects.project_pause, name="project-pause"),
    path("projects/<int:project_id>/stats", projects.project_stats, name="project-stats"),
    path(
        "projects/<int:project_id>/control-tasks",
        projects.control_tasks,
        name="project-control-tasks",
    ),
    path(
        "projects/<int:project_id>/export",
        exports.ProjectExport.as_view(),
        name="project-export",
    ),
    path("projects/<int:project_id>/exports", exports.project_exports, name="project-exports"),
    path("exports/<int:job_id>/download", exports.export_download, name="export-download"),
    path(
        "projects/<int:project_id>/assignments/next",
        labeling.assignment_next,
        name="assignment-next",
    ),
    path(
        "assignments/<int:assignment_id>/submit",
        labeling.assignment_submit,
        name="assignment-submit",
    ),
    path("assignments/<int:assignment_id>/skip", labeling.assignment_skip, name="assignment-skip"),
    path(
        "assignments/<int:assignment_id>/report",
        labeling.assignment_report,
        name="assignment-report",
    ),
    path("annotators", annotators.annotator_create, name="annotators"),
    path("annotators/<int:annotator_id>", annotators.annotator_detail, name="annotator-detail"),
    path(
        "annotators/<int:annotator_id>/skills",
        annotators.annotator_skills,
        name="annotator-skills",
    ),
    path("me", labeling.me, name="me"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("v1/", include(v1)),
    re_path(r"^.*$", docs.not_found),
]
