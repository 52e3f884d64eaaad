from django.contrib.auth import views as auth_views
from django.urls import path

from annotator.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.sign_up, name="signup"),
    path("consent/", views.consent, name="consent"),
]
