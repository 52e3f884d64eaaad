"""Bonuses, payouts, the payouts CSV and the effective hourly pay."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from annotator.labeling.models import Assignment
from annotator.quality.models import LedgerEntry
from annotator.quality.selectors import project_hourly_pay
from annotator.quality.services.pay import bonuses_award, payouts_record
from tests import factories
from tests.labeling.conftest import make_task
from tests.quality.people import JANE, WRONG_NAME, answer, control_task, set_policy

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind


@pytest.fixture
def paying(project):
    project.reward_cents = 5
    project.save()
    set_policy(project, bonus_cents=200, bonus_accuracy=75, control_minimum=2)
    return project


def today():
    return timezone.now().date()


def entries(user, kind) -> list[int]:
    return sorted(
        LedgerEntry.objects.filter(annotator=user, kind=kind).values_list("amount_cents", flat=True)
    )


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- bonuses ----------------------------------------------------------------------


def test_a_day_of_accurate_control_answers_earns_the_bonus_once(alice, paying):
    for _ in range(3):
        answer(alice, control_task(paying, JANE), JANE)
    answer(alice, control_task(paying, JANE), WRONG_NAME)  # 3 of 4: 75%
    assert bonuses_award(day=today()) == 1
    assert bonuses_award(day=today()) == 0  # the job may run again: nothing new
    [bonus] = LedgerEntry.objects.filter(kind=Kind.BONUS)
    assert (bonus.annotator, bonus.project, bonus.amount_cents, bonus.period) == (
        alice,
        paying,
        200,
        today(),
    )


def test_under_the_bonus_accuracy_there_is_no_bonus(alice, paying):
    answer(alice, control_task(paying, JANE), JANE)
    answer(alice, control_task(paying, JANE), WRONG_NAME)  # 50%
    assert bonuses_award(day=today()) == 0


def test_too_few_control_answers_earn_no_bonus(alice, paying):
    answer(alice, control_task(paying, JANE), JANE)
    assert bonuses_award(day=today()) == 0


def test_control_answers_of_another_day_do_not_count(alice, paying):
    answer(alice, control_task(paying, JANE), JANE)
    answer(alice, control_task(paying, JANE), JANE)
    assert bonuses_award(day=today() - timedelta(days=1)) == 0
    assert bonuses_award(day=today()) == 1


def test_projects_without_a_bonus_pay_none(alice, project):
    answer(alice, control_task(project, JANE), JANE)
    answer(alice, control_task(project, JANE), JANE)
    assert bonuses_award(day=today()) == 0


def test_the_database_refuses_a_second_bonus_for_the_same_day(alice, paying):
    fields = {"annotator": alice, "project": paying, "kind": Kind.BONUS, "period": today()}
    LedgerEntry.objects.create(amount_cents=200, **fields)
    with pytest.raises(IntegrityError):
        LedgerEntry.objects.create(amount_cents=200, **fields)


# --- payouts ----------------------------------------------------------------------


def test_payouts_settle_every_open_balance_once(alice, bob, paying, requester):
    answer(alice, make_task(paying), JANE)
    answer(alice, make_task(paying), JANE)
    answer(bob, make_task(paying), JANE)
    paid = payouts_record(requester=requester)
    assert sorted((e.annotator.username, e.amount_cents) for e in paid) == [
        ("alice", -10),
        ("bob", -5),
    ]
    assert payouts_record(requester=requester) == []
    answer(alice, make_task(paying), JANE)
    assert [e.amount_cents for e in payouts_record(requester=requester)] == [-5]


def test_a_requester_pays_only_for_their_own_projects(alice, paying, mallory, requester):
    answer(alice, make_task(paying), JANE)
    assert payouts_record(requester=mallory) == []
    assert entries(alice, Kind.PAYOUT) == []


def _login(client, user):
    client.force_login(user)
    return client


def test_the_payouts_csv_lists_earned_bonus_paid_and_balance(client, alice, bob, paying, requester):
    answer(alice, make_task(paying), JANE)
    answer(alice, make_task(paying), JANE)
    LedgerEntry.objects.create(annotator=alice, project=paying, kind=Kind.BONUS, amount_cents=200)
    payouts_record(requester=requester)
    answer(alice, make_task(paying), JANE)
    answer(bob, make_task(paying), JANE)
    response = _login(client, requester).get(reverse("quality:payouts-csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert read_csv(response) == [
        ["annotator", "username", "earned", "bonus", "paid", "balance"],
        [str(alice.pk), "alice", "15", "200", "210", "5"],
        [str(bob.pk), "bob", "5", "0", "0", "5"],
    ]


def test_paying_through_the_page_records_payouts_and_returns_the_csv(
    client, alice, paying, requester
):
    answer(alice, make_task(paying), JANE)
    response = _login(client, requester).post(reverse("quality:payouts-pay"))
    assert response.status_code == 302 and response.url == reverse("quality:payouts-csv")
    assert entries(alice, Kind.PAYOUT) == [-5]
    assert read_csv(client.get(response.url))[1][-2:] == ["5", "0"]


def test_other_requesters_and_annotators_see_no_one_elses_payouts(client, alice, paying, mallory):
    answer(alice, make_task(paying), JANE)
    assert read_csv(_login(client, mallory).get(reverse("quality:payouts-csv"))) == [
        ["annotator", "username", "earned", "bonus", "paid", "balance"]
    ]
    client.logout()
    assert _login(client, alice).get(reverse("quality:payouts-csv")).status_code == 403
    assert client.post(reverse("quality:payouts-pay")).status_code == 403


def test_paying_needs_a_post(client, requester):
    assert _login(client, requester).get(reverse("quality:payouts-pay")).status_code == 405


def test_a_username_that_looks_like_a_formula_is_defused(client, paying, requester):
    sneaky = factories.UserFactory(username="+cmd")
    answer(sneaky, make_task(paying), JANE)
    rows = read_csv(_login(client, requester).get(reverse("quality:payouts-csv")))
    assert rows[1][1] == "'+cmd"


# --- effective hourly pay ---------------------------------------------------------


def _took(project, user, seconds):
    assignment = answer(user, make_task(project), JANE)
    Assignment.objects.filter(pk=assignment.pk).update(
        submitted_at=assignment.created_at + timedelta(seconds=seconds)
    )


def test_hourly_pay_comes_from_the_median_time_per_task(alice, project):
    project.reward_cents = 10
    project.save()
    set_policy(project, min_hourly_cents=1000)
    for seconds in (30, 60, 3600):
        _took(project, alice, seconds)
    pay = project_hourly_pay(project=project)
    assert (pay.tasks, pay.median_seconds) == (3, 60)
    assert pay.hourly_cents == 600  # 10 cents a minute
    assert pay.below_minimum


def test_a_fair_rate_raises_no_warning(alice, project):
    project.reward_cents = 10
    project.save()
    set_policy(project, min_hourly_cents=500)
    _took(project, alice, 60)
    assert not project_hourly_pay(project=project).below_minimum


def test_hourly_pay_is_unknown_before_any_submission(project):
    set_policy(project, min_hourly_cents=500)
    pay = project_hourly_pay(project=project)
    assert (pay.tasks, pay.median_seconds, pay.hourly_cents, pay.below_minimum) == (
        0,
        None,
        None,
        False,
    )
