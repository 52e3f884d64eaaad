from django.urls import path

from annotator.labeling import views

app_name = "labeling"

urlpatterns = [
    path("", views.home, name="home"),
]
