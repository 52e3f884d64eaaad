"""The one error shape, pagination and throttling that every endpoint shares."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from annotator.api.errors import _first_message
from tests import factories


def test_unknown_api_paths_answer_json_404(as_requester, anon):
    for client in (as_requester, anon):
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert response.json()["errors"] == {}


def test_a_validation_error_names_the_field_and_leads_with_it(as_requester, dataset):
    body = {"name": "p", "dataset": dataset.pk, "categories": ["NAME"], "overlap": 0}
    response = as_requester.post("/api/v1/projects", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "overlap: Ensure this value is greater than or equal to 1.",
        "code": "invalid",
        "errors": {"overlap": ["Ensure this value is greater than or equal to 1."]},
    }


def test_malformed_json_is_a_400_in_the_same_shape(as_requester):
    response = as_requester.generic(
        "POST", "/api/v1/datasets", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")


def test_wrong_method_is_405(as_requester):
    response = as_requester.delete("/api/v1/datasets")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_first_message_walks_nested_list_errors():
    errors = {"items": [{}, {"spans": ["Span 3-1 is empty or reversed."]}]}
    assert _first_message(errors) == "items[1].spans: Span 3-1 is empty or reversed."
    errors = {"items": {"2": {"snippet": ["Not found."]}}}  # DRF 3.16+ keys by index
    assert _first_message(errors) == "items[2].snippet: Not found."
    assert _first_message({"non_field_errors": ["No."]}) == "No."


def test_lists_are_paginated_with_a_page_size_parameter(as_requester, dataset):
    for _ in range(3):
        factories.SnippetFactory(source_file__dataset=dataset)
    response = as_requester.get(f"/api/v1/datasets/{dataset.pk}/snippets?page_size=2")
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")
    second = as_requester.get(body["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_an_out_of_range_page_is_a_json_404(as_requester, dataset):
    response = as_requester.get(f"/api/v1/datasets/{dataset.pk}/snippets?page=9")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_anonymous_and_user_rates_are_configured():
    rates = api_settings.DEFAULT_THROTTLE_RATES
    assert {"anon", "user", "auth"} <= set(rates)
    for rate in rates.values():
        SimpleRateThrottle.parse_rate(SimpleRateThrottle, rate)  # raises on a typo


def test_anonymous_callers_are_throttled(anon, monkeypatch):
    # 60/minute by default; a small limit keeps the test short. Same class, same cache.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "3/minute")
    # (Permissions run before throttles, so a public path shows it: here the JSON 404.)
    statuses = [anon.get("/api/v1/nothing-here").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
