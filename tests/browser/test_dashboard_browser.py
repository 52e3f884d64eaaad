"""A requester opens every dashboard page in real Chromium: no script errors, no CSP
violations, charts drawn, htmx fragments swapped in."""

import os

import pytest
from django.urls import reverse

from tests.dashboard.conftest import build_busy
from tests.factories import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_requester_opens_every_dashboard_page(live_server, page, requester, dataset):
    busy = build_busy(requester, dataset)
    project, task = busy.project.pk, busy.tasks[0].pk
    log_in(page, live_server, "requester")
    pages = [
        reverse("dashboard:home"),
        reverse("dashboard:project-new"),
        reverse("dashboard:project-detail", args=[project]),
        reverse("dashboard:project-edit", args=[project]),
        reverse("dashboard:project-rules", args=[project]),
        reverse("dashboard:project-gold", args=[project]),
        reverse("dashboard:project-validation", args=[project]),
        reverse("dashboard:disagreement-list", args=[project]),
        reverse("dashboard:task-detail", args=[project, task]),
        reverse("dashboard:detector-compare", args=[project]),
        reverse("dashboard:annotator-list"),
        reverse("dashboard:annotator-detail", args=[busy.workers[0].pk]),
        reverse("dashboard:inbox"),
        reverse("dashboard:simulations"),
    ]
    for url in pages:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        assert page.console_errors == [], (url, page.console_errors)

    page.goto(live_server.url + reverse("dashboard:project-detail", args=[project]))
    # The validation estimates arrive by htmx once the page has loaded.
    page.wait_for_selector("#validation-estimates svg[role=img]")
    assert page.locator("svg.chart[role=img]").count() == 6
    page.locator("details.figure-table summary").first.click()
    assert page.locator("details.figure-table[open] table").count() == 1

    page.goto(live_server.url + reverse("dashboard:detector-compare", args=[project]))
    page.click("#detector-result button[type=submit]")
    page.wait_for_selector(".detector-table")
    assert page.evaluate("document.querySelectorAll('#detector-result').length") == 1
    assert page.console_errors == []
