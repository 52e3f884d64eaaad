"""Sign-up makes an annotator; nobody works before accepting the terms."""

import pytest
from django.urls import reverse

from annotator.accounts.models import User
from annotator.labeling.models import Assignment
from tests import factories

pytestmark = pytest.mark.django_db


def test_signing_up_creates_an_annotator_and_leads_to_the_consent_page(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "dana", "email": "dana@example.org",
         "password1": "quiet-lantern-47", "password2": "quiet-lantern-47"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("accounts:consent")
    user = User.objects.get(username="dana")
    assert user.role == User.Role.ANNOTATOR and user.consented_at is None
    assert user.check_password("quiet-lantern-47")


def test_django_password_validators_apply_on_sign_up(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "dana", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200 and not User.objects.filter(username="dana").exists()
    html = response.content.decode()
    assert "too common" in html or "entirely numeric" in html


def test_an_annotator_without_consent_is_sent_to_the_consent_page(client, project):
    dana = factories.UserFactory(username="dana", consented_at=None)
    factories.TaskFactory(project=project)
    client.force_login(dana)
    for url in (reverse("labeling:home"), reverse("labeling:work", args=[project.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("accounts:consent")
    htmx = client.get(reverse("labeling:work", args=[project.pk]), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reverse("accounts:consent")
    assert not Assignment.objects.filter(annotator=dana).exists()


def test_the_consent_page_explains_use_and_pay_and_records_the_agreement(client, project):
    dana = factories.UserFactory(username="dana", consented_at=None)
    client.force_login(dana)
    html = client.get(reverse("accounts:consent")).content.decode()
    assert "What your labels are for" in html and "Pay terms" in html
    refused = client.post(reverse("accounts:consent"), {})
    assert refused.status_code == 200 and "Tick the box" in refused.content.decode()
    response = client.post(reverse("accounts:consent"), {"agree": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("labeling:home")
    dana.refresh_from_db()
    assert dana.consented_at is not None
    assert client.get(reverse("labeling:home")).status_code == 200


def test_requesters_need_no_consent(client, requester):
    requester.consented_at = None
    requester.save()
    client.force_login(requester)
    assert client.get(reverse("labeling:home")).status_code == 200


def test_the_login_page_links_to_sign_up(client):
    assert reverse("accounts:signup") in client.get(reverse("accounts:login")).content.decode()
