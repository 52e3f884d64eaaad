from django.urls import path

app_name = "exports"

urlpatterns: list = []
