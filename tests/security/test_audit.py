"""Every requester action that changes someone's pay, skill or access leaves an AuditEntry."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from annotator.api.services import annotator_enroll
from annotator.core.exceptions import DomainError
from annotator.core.models import AuditEntry
from annotator.quality.models import LedgerEntry
from annotator.quality.services import pay, rules, skills
from tests import factories

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def only_entry() -> AuditEntry:
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, entries
    return entries[0]


def test_setting_a_skill_by_hand_is_audited(requester, bob):
    skills.skill_set(annotator=bob, category="NAME", value=70, reason="Good work", actor=requester)
    entry = only_entry()
    assert (entry.actor, entry.action, entry.target_user) == (requester, Action.SKILL_SET, bob)
    assert entry.details["category"] == "NAME" and entry.details["new"] == 70
    assert entry.details["old"] is None and entry.details["reason"] == "Good work"


def test_passing_a_quiz_is_the_annotators_own_act_and_not_audited(bob):
    skills.skill_set(annotator=bob, category="NAME", value=90, reason="Passed", actor=bob)
    assert not AuditEntry.objects.exists()


def test_imposing_a_sanction_is_audited(requester, bob, project):
    sanction = rules.sanction_impose(
        annotator=bob, project=project, rule="manual", action="ban", reason="Spam", actor=requester
    )
    entry = only_entry()
    assert (entry.action, entry.target_user, entry.project) == (
        Action.SANCTION_IMPOSE,
        bob,
        project,
    )
    assert entry.details["sanction_id"] == sanction.pk and entry.details["action"] == "ban"


def test_a_rule_firing_is_not_a_requester_action(bob, project):
    rules.sanction_impose(annotator=bob, project=project, rule="skips", action="warn", reason="x")
    assert not AuditEntry.objects.exists()


def test_lifting_a_sanction_is_audited_once(requester, bob, project):
    sanction = rules.sanction_impose(
        annotator=bob, project=project, rule="skips", action="ban", reason="Skips"
    )
    rules.sanction_lift(sanction=sanction, actor=requester)
    rules.sanction_lift(sanction=sanction, actor=requester)  # harmless, and not logged again
    entry = only_entry()
    assert (entry.actor, entry.action, entry.target_user) == (requester, Action.SANCTION_LIFT, bob)


def test_each_payout_is_audited(requester, alice, bob, project):
    for user, cents in ((alice, 30), (bob, 12)):
        LedgerEntry.objects.create(
            annotator=user, project=project, kind="reward", amount_cents=cents
        )
    pay.payouts_record(requester=requester)
    entries = {e.target_user: e for e in AuditEntry.objects.filter(action=Action.PAYOUT)}
    assert set(entries) == {alice, bob}
    assert entries[alice].details["amount_cents"] == -30
    assert entries[bob].project == project and entries[bob].actor == requester


def test_a_pay_adjustment_is_audited_with_its_note(requester, bob, project):
    entry_row = pay.ledger_adjust(
        annotator=bob, project=project, amount_cents=-15, note="Duplicate reward", actor=requester
    )
    entry = only_entry()
    assert entry.action == Action.ADJUSTMENT and entry.target_user == bob
    assert entry.details == {
        "actor_username": "requester", "target_username": "bob",
        "ledger_entry_id": entry_row.pk, "amount_cents": -15, "note": "Duplicate reward",
    }  # fmt: skip


def test_mallory_cannot_adjust_pay_in_someone_elses_project(mallory, bob, project):
    with pytest.raises(DomainError):
        pay.ledger_adjust(annotator=bob, project=project, amount_cents=99, note="x", actor=mallory)
    assert not AuditEntry.objects.exists() and not LedgerEntry.objects.exists()


def test_enrolling_an_annotator_is_audited(requester):
    user = annotator_enroll(
        username="newbie", password="a-long-passphrase-42", enrolled_by=requester
    )
    entry = only_entry()
    assert (entry.actor, entry.action, entry.target_user) == (requester, Action.ENROLL, user)


def test_the_audit_log_is_read_only_in_the_admin(requester, bob):
    skills.skill_set(annotator=bob, category="NAME", value=70, reason="x", actor=requester)
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[AuditEntry]
    entry = AuditEntry.objects.get()
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_the_admin_lists_audit_entries(client, requester, bob):
    skills.skill_set(annotator=bob, category="NAME", value=70, reason="x", actor=requester)
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get("/admin/core/auditentry/")
    assert page.status_code == 200 and "Skill set by hand" in page.content.decode()
