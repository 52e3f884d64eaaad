"""Security settings that hold for the whole site: lock-out, headers, deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def login(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client):
    UserFactory(username="carol")
    for _ in range(4):
        assert login(client, "carol", "wrong-guess").status_code == 200  # form error
    assert login(client, "carol", "wrong-guess").status_code == 429  # the fifth locks
    response = login(client, "carol", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_dodge_the_lock_out(client):
    UserFactory(username="frank")
    for n in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": "frank", "password": "wrong-guess"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
    response = client.post(
        reverse("accounts:login"),
        {"username": "frank", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_dodge_the_api_throttle(client, settings):
    settings.AXES_FAILURE_LIMIT = 100  # let the per-client throttle act alone
    statuses = [
        client.post(
            "/api/v1/auth/token",
            {"username": "nobody", "password": "x"},
            content_type="application/json",
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code
        for n in range(12)
    ]
    assert 429 in statuses


@pytest.mark.django_db
def test_a_right_password_before_the_limit_logs_in_and_resets_the_count(client):
    UserFactory(username="dave")
    for _ in range(4):
        login(client, "dave", "wrong-guess")
    assert login(client, "dave", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "dave", "wrong-guess")
    assert login(client, "dave", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_api_token_guessing_is_locked_out_too(client):
    UserFactory(username="erin")
    url = "/api/v1/auth/token"
    for _ in range(5):
        client.post(url, {"username": "erin", "password": "nope"}, content_type="application/json")
    response = client.post(
        url, {"username": "erin", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "token" not in response.json()


@pytest.mark.django_db
def test_pages_carry_a_csp_that_forbids_inline_script(client):
    response = client.get(reverse("accounts:login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_api_answers_keep_the_security_headers_and_pages_the_csp(client, settings, alice):
    settings.SECURE_HSTS_SECONDS = 3600
    token = Token.objects.create(user=alice)
    auth = {"Authorization": f"Token {token.key}"}
    for response in (
        client.get("/api/v1/me", headers=auth, secure=True),
        client.get("/api/v1/nowhere", headers=auth, secure=True),  # an error answer
    ):
        assert response["Content-Type"] == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=3600")
        assert "Content-Security-Policy" not in response.headers  # JSON is no document
    page = client.get(reverse("accounts:login"), secure=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    docs = client.get("/api/docs/?script=", secure=True)  # the API docs' own script
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]


def test_deploy_check_is_clean_under_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        # Browser test modules set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production doesn't.
        if key
        not in {"DEBUG", "SECURE_SSL_REDIRECT", "STATIC_MANIFEST", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="x7#k2!q9" * 8,
        ALLOWED_HOSTS="annotator.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
