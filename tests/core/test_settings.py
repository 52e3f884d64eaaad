import pytest
from django.core.exceptions import ImproperlyConfigured

from annotator import settings as app_settings


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("off", False), ("Yes", True)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert app_settings.env_bool("SOME_FLAG", not expected) is expected


def test_env_bool_raises_on_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        app_settings.env_bool("SOME_FLAG", False)


def test_env_int_raises_on_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "12x")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        app_settings.env_int("SOME_NUMBER", 1)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    assert app_settings.env_str("SOME_SECRET") == "from-a-file"


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("SOME_HOSTS", " a.example , b.example,,")
    assert app_settings.env_list("SOME_HOSTS", []) == ["a.example", "b.example"]
