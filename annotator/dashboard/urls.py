from django.urls import path

from annotator.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/", views.dataset_list, name="dataset-list"),
    path("datasets/new/", views.dataset_new, name="dataset-new"),
    path("datasets/<int:dataset_id>/", views.dataset_detail, name="dataset-detail"),
    path("snippets/<int:snippet_id>/", views.snippet_detail, name="snippet-detail"),
    path("jobs/<int:job_id>/", views.job_detail, name="job-detail"),
]
