from django.urls import path

from annotator.labeling import views

app_name = "labeling"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:project_id>/work/", views.work, name="work"),
    path("assignments/<int:assignment_id>/spans/", views.span_add, name="span-add"),
    path(
        "assignments/<int:assignment_id>/spans/<int:index>/remove/",
        views.span_remove,
        name="span-remove",
    ),
    path("assignments/<int:assignment_id>/submit/", views.submit, name="submit"),
    path("assignments/<int:assignment_id>/skip/", views.skip, name="skip"),
    path("assignments/<int:assignment_id>/report/", views.report, name="report"),
]
