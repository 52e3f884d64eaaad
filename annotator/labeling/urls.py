from django.urls import path

from annotator.labeling import feedback_views, validation_views, views

app_name = "labeling"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:project_id>/work/", views.work, name="work"),
    path("feedback/", feedback_views.feedback, name="feedback"),
    path("assignments/<int:assignment_id>/spans/", views.span_add, name="span-add"),
    path(
        "assignments/<int:assignment_id>/spans/<int:index>/remove/",
        views.span_remove,
        name="span-remove",
    ),
    path(
        "assignments/<int:assignment_id>/spans/<int:index>/change/",
        views.span_change,
        name="span-change",
    ),
    path("assignments/<int:assignment_id>/submit/", views.submit, name="submit"),
    path(
        "assignments/<int:assignment_id>/suggestions/<int:suggestion_id>/accept/",
        views.suggestion_accept,
        name="suggestion-accept",
    ),
    path(
        "assignments/<int:assignment_id>/suggestions/<int:suggestion_id>/reject/",
        views.suggestion_reject,
        name="suggestion-reject",
    ),
    path("assignments/<int:assignment_id>/feedback/", views.quiz_feedback, name="quiz-feedback"),
    path("projects/<int:project_id>/retake/", views.quiz_retake, name="quiz-retake"),
    path("categories/<str:category>/opt/", views.category_opt, name="category-opt"),
    path("assignments/<int:assignment_id>/skip/", views.skip, name="skip"),
    path("assignments/<int:assignment_id>/report/", views.report, name="report"),
    # Validation projects: judge the crowd's final spans (validation_views.py).
    path("projects/<int:project_id>/validate/", validation_views.validate, name="validate"),
    path(
        "validation/<int:assignment_id>/missed/",
        validation_views.missed_add,
        name="validate-missed-add",
    ),
    path(
        "validation/<int:assignment_id>/missed/<int:index>/remove/",
        validation_views.missed_remove,
        name="validate-missed-remove",
    ),
    path(
        "validation/<int:assignment_id>/submit/",
        validation_views.validate_submit,
        name="validate-submit",
    ),
]
