import pytest

from annotator.accounts.models import User
from annotator.core.exceptions import DomainError
from annotator.quality.models import Skill
from annotator.quality.services import skill_set
from tests import factories
from tests.factories import PASSWORD


def test_a_requester_enrols_an_annotator_who_can_then_get_a_token(as_requester, anon):
    response = as_requester.post(
        "/api/v1/annotators", {"username": "carol", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    carol = User.objects.get(username="carol")
    assert carol.role == User.Role.ANNOTATOR
    assert carol.consented_at is None  # consent is carol's own act
    assert response.json() == {
        "id": carol.pk,
        "username": "carol",
        "role": "annotator",
        "status": "awaiting_consent",
        "skills": {},
        "quality": {
            "submitted": 0, "skipped": 0, "expired": 0, "problem_reports": 0,
            "control_accuracy": None,
        },
        "date_joined": response.json()["date_joined"],
    }  # fmt: skip
    token = anon.post("/api/v1/auth/token", {"username": "carol", "password": PASSWORD})
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("84920175318", "This password is entirely numeric."),
        ("carolcarol1", "The password is too similar to the username."),
    ],
)
def test_password_validators_apply(as_requester, password, message):
    response = as_requester.post(
        "/api/v1/annotators", {"username": "carolcarol1", "password": password}, format="json"
    )
    assert response.status_code == 400
    assert message in response.json()["errors"]["password"]
    assert not User.objects.filter(username="carolcarol1").exists()


def test_a_taken_username_is_a_400_on_username(as_requester, alice):
    response = as_requester.post(
        "/api/v1/annotators", {"username": "ALICE", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "taken" in response.json()["errors"]["username"][0]


def test_a_username_with_spaces_is_refused(as_requester):
    response = as_requester.post(
        "/api/v1/annotators", {"username": "a b", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()["errors"]


def test_annotator_detail_shows_skills_quality_and_status(as_requester, alice, project):
    factories.AssignmentFactory(task__project=project, annotator=alice, status="submitted")
    factories.AssignmentFactory(task__project=project, annotator=alice, status="expired")
    body = as_requester.get(f"/api/v1/annotators/{alice.pk}").json()
    assert body["status"] == "active"
    assert body["skills"]["NAME"] == 90
    assert body["quality"]["submitted"] == 1
    assert body["quality"]["expired"] == 1
    assert body["quality"]["control_accuracy"] is None


def test_a_disabled_annotator_reads_disabled(as_requester, bob):
    bob.is_active = False
    bob.save()
    assert as_requester.get(f"/api/v1/annotators/{bob.pk}").json()["status"] == "disabled"


def test_requesters_are_not_annotators(as_requester, mallory):
    assert as_requester.get(f"/api/v1/annotators/{mallory.pk}").status_code == 404


def test_skills_are_set_with_a_reason(as_requester, bob):
    response = as_requester.patch(
        f"/api/v1/annotators/{bob.pk}/skills",
        {"skills": {"NAME": 80, "EMAIL": 0}, "reason": "Passed the phone interview"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["skills"] == {"EMAIL": 0, "NAME": 80}
    assert dict(bob.skills.values_list("category", "value")) == {"EMAIL": 0, "NAME": 80}


def test_changing_a_skill_is_logged_with_actor_and_reason(requester, alice, caplog):
    caplog.set_level("INFO", logger="annotator.quality.services")
    skill_set(annotator=alice, category="NAME", value=40, reason="Sloppy", actor=requester)
    assert alice.skills.get(category="NAME").value == 40
    assert f"NAME of annotator #{alice.pk} set 90 -> 40 by #{requester.pk}: Sloppy" in caplog.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skills": {"NAME": 80}}, "reason"),
        ({"skills": {"NAME": 80}, "reason": "  "}, "reason"),
        ({"skills": {"NAME": 101}, "reason": "x"}, "skills"),
        ({"skills": {"NAME": -1}, "reason": "x"}, "skills"),
        ({"skills": {"SSN": 50}, "reason": "x"}, "skills"),
        ({"skills": {}, "reason": "x"}, "skills"),
        ({"skills": ["NAME"], "reason": "x"}, "skills"),
    ],
)
def test_bad_skill_patches_are_400s_and_change_nothing(as_requester, alice, body, field):
    response = as_requester.patch(f"/api/v1/annotators/{alice.pk}/skills", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert set(alice.skills.values_list("value", flat=True)) == {90}


@pytest.mark.parametrize(
    ("category", "value", "reason"),
    [("SSN", 50, "x"), ("NAME", 101, "x"), ("NAME", True, "x"), ("NAME", 50, " ")],
)
def test_skill_set_refuses_bad_input(requester, bob, category, value, reason):
    with pytest.raises(DomainError):
        skill_set(annotator=bob, category=category, value=value, reason=reason, actor=requester)
    assert not Skill.objects.filter(annotator=bob).exists()
