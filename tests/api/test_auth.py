from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD

TOKEN = "/api/v1/auth/token"


def test_alice_trades_her_password_for_a_token_and_uses_it(anon, alice):
    response = anon.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "token": Token.objects.get(user=alice).key,
        "user_id": alice.pk,
        "username": "alice",
        "role": "annotator",
    }
    anon.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert anon.get("/api/v1/me").json()["username"] == "alice"


def test_asking_twice_gives_the_same_token(anon, alice):
    first = anon.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    second = anon.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert first.json()["token"] == second.json()["token"]


def test_a_wrong_password_gets_400_and_no_token(anon, alice):
    response = anon.post(TOKEN, {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Wrong username or password.",
        "code": "invalid",
        "errors": {"non_field_errors": ["Wrong username or password."]},
    }
    assert not Token.objects.filter(user=alice).exists()


def test_a_disabled_account_gets_no_token(anon, alice):
    alice.is_active = False
    alice.save()
    response = anon.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_missing_fields_are_named(anon):
    response = anon.post(TOKEN, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_delete_revokes_the_callers_token(anon, alice, bob):
    bobs = Token.objects.create(user=bob)
    key = anon.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json").json()
    anon.credentials(HTTP_AUTHORIZATION=f"Token {key['token']}")
    assert anon.delete(TOKEN).status_code == 204
    response = anon.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    assert not Token.objects.filter(user=alice).exists()
    assert Token.objects.filter(pk=bobs.pk).exists()  # only the caller's


def test_session_authentication_works_too(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/v1/me").status_code == 200
    # Unsafe methods over a session need the CSRF token, as on the web pages.
    assert client.delete(TOKEN).status_code == 403


def test_password_guessing_is_throttled(anon, alice, settings):
    settings.AXES_FAILURE_LIMIT = 100  # the per-client throttle acts first here
    statuses = [
        anon.post(TOKEN, {"username": "alice", "password": f"guess{i}"}, format="json").status_code
        for i in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    response = anon.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
