from django.urls import path

from annotator.exports import views

app_name = "exports"

urlpatterns = [
    path(
        "projects/<int:project_id>/annotations.jsonl",
        views.project_jsonl,
        name="project-jsonl",
    ),
]
