from django.urls import path

from annotator.dashboard import people_views, project_views, views

app_name = "dashboard"

P = "projects/<int:project_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/", views.dataset_list, name="dataset-list"),
    path("datasets/new/", views.dataset_new, name="dataset-new"),
    path("datasets/<int:dataset_id>/", views.dataset_detail, name="dataset-detail"),
    path("snippets/<int:snippet_id>/", views.snippet_detail, name="snippet-detail"),
    path("jobs/<int:job_id>/", views.job_detail, name="job-detail"),
    # Projects (project_views.py)
    path("projects/new/", project_views.project_new, name="project-new"),
    path(P, project_views.project_detail, name="project-detail"),
    path(P + "edit/", project_views.project_edit, name="project-edit"),
    path(P + "rules/", project_views.project_rules, name="project-rules"),
    path(P + "gold/", project_views.project_gold, name="project-gold"),
    path(P + "status/", project_views.project_status, name="project-status"),
    path(P + "validation/", project_views.project_validation, name="project-validation"),
    path(P + "disagreements/", project_views.disagreement_list, name="disagreement-list"),
    path(P + "tasks/<int:task_id>/", project_views.task_detail, name="task-detail"),
    path(P + "detector/", project_views.detector_compare, name="detector-compare"),
    # Annotators, inbox, simulations (people_views.py)
    path("annotators/", people_views.annotator_list, name="annotator-list"),
    path("annotators/<int:annotator_id>/", people_views.annotator_detail, name="annotator-detail"),
    path(
        "annotators/<int:annotator_id>/skill/", people_views.annotator_skill, name="annotator-skill"
    ),
    path("annotators/<int:annotator_id>/ban/", people_views.annotator_ban, name="annotator-ban"),
    path("sanctions/<int:sanction_id>/lift/", people_views.sanction_lift, name="sanction-lift"),
    path("inbox/", people_views.inbox_list, name="inbox"),
    path("inbox/<str:kind>/<int:pk>/reply/", people_views.feedback_reply, name="feedback-reply"),
    path("inbox/<int:pk>/read/", people_views.feedback_read, name="feedback-read"),
    path("simulations/", people_views.simulation_results, name="simulations"),
]
