"""Every URL of the site x every role: who gets in, and everyone else is kept out.

The table below holds one rule per URL name; the URLs come from the resolver, so a new
URL without a rule fails `test_every_url_has_a_rule`. Roles: `n` anonymous, `a` alice
(the annotator who holds the assignment), `b` bob (another annotator), `m` mallory (a
requester of another project), `d` an admin by role, `r` the requester who owns the
project. Roles outside the allowed set must be sent to log in (anonymous) or refused
with 403/404; allowed roles must reach the view (no 401/403/404/405, never a 5xx).
`may_404`: the world has no object of the right kind (a quiz, an export job), so even an
allowed role may get a 404; the refusals are still checked. `*`: public, any answer
under 500 (log in, log out, the API's 404 catch-all).
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.world import Pattern, World, build_world, url_patterns

ROLES = {"n": None, "a": "alice", "b": "bob", "m": "mallory", "d": "admin", "r": "requester"}
ANNOTATORS, REQUESTERS, SIGNED_IN = "ab", "mdr", "abmdr"


@dataclass(frozen=True)
class Rule:
    method: str
    allowed: str  # role letters, or "*"
    may_404: bool = False


RULES: dict[str, Rule] = {
    # annotator pages
    "labeling:home": Rule("GET", SIGNED_IN),
    "labeling:work": Rule("GET", "abr"),
    "labeling:feedback": Rule("GET", SIGNED_IN),
    "labeling:span-add": Rule("POST", "a"),
    "labeling:span-remove": Rule("POST", "a"),
    "labeling:span-change": Rule("POST", "a"),
    "labeling:submit": Rule("POST", "a"),
    "labeling:skip": Rule("POST", "a"),
    "labeling:report": Rule("POST", "a"),
    "labeling:suggestion-accept": Rule("POST", "a", may_404=True),
    "labeling:suggestion-reject": Rule("POST", "a", may_404=True),
    "labeling:quiz-feedback": Rule("GET", "a", may_404=True),
    "labeling:quiz-retake": Rule("POST", "a", may_404=True),
    "labeling:category-opt": Rule("POST", SIGNED_IN),
    "labeling:validate": Rule("GET", ANNOTATORS, may_404=True),
    "labeling:validate-missed-add": Rule("POST", "a", may_404=True),
    "labeling:validate-missed-remove": Rule("POST", "a", may_404=True),
    "labeling:validate-submit": Rule("POST", "a", may_404=True),
    # accounts
    "accounts:login": Rule("GET", "*"),
    "accounts:logout": Rule("POST", "*"),
    "accounts:signup": Rule("GET", "*"),
    "accounts:consent": Rule("GET", SIGNED_IN),
    # requester dashboard: the project's pages are its owner's (and an admin's)
    "dashboard:home": Rule("GET", REQUESTERS),
    "dashboard:dataset-list": Rule("GET", REQUESTERS),
    "dashboard:dataset-new": Rule("GET", REQUESTERS),
    "dashboard:dataset-detail": Rule("GET", "dr"),
    "dashboard:snippet-detail": Rule("GET", "dr"),
    "dashboard:job-detail": Rule("GET", "dr"),
    "dashboard:project-new": Rule("GET", REQUESTERS),
    "dashboard:project-detail": Rule("GET", "dr"),
    "dashboard:project-edit": Rule("GET", "dr"),
    "dashboard:project-rules": Rule("GET", "dr"),
    "dashboard:project-gold": Rule("GET", "dr"),
    "dashboard:project-status": Rule("POST", "dr"),
    "dashboard:project-validation": Rule("GET", "dr"),
    "dashboard:disagreement-list": Rule("GET", "dr"),
    "dashboard:task-detail": Rule("GET", "dr"),
    "dashboard:detector-compare": Rule("GET", "dr"),
    # the crowd is shared: every requester sees annotators and acts in their own projects
    "dashboard:annotator-list": Rule("GET", REQUESTERS),
    "dashboard:annotator-detail": Rule("GET", REQUESTERS),
    "dashboard:annotator-skill": Rule("POST", REQUESTERS),
    "dashboard:annotator-ban": Rule("POST", REQUESTERS),
    "dashboard:sanction-lift": Rule("POST", "r"),
    "dashboard:inbox": Rule("GET", REQUESTERS),
    "dashboard:feedback-reply": Rule("POST", "r", may_404=True),
    "dashboard:feedback-read": Rule("POST", "r", may_404=True),
    "dashboard:simulations": Rule("GET", REQUESTERS),
    # exports: the owner only
    "exports:project-export": Rule("GET", "r"),
    "exports:project-jsonl": Rule("GET", "r"),
    "exports:project-download": Rule("GET", "r"),
    "exports:job-start": Rule("POST", "r"),
    "exports:job-status": Rule("GET", "r", may_404=True),
    "exports:job-download": Rule("GET", "r", may_404=True),
    "quality:payouts-csv": Rule("GET", REQUESTERS),
    "quality:payouts-pay": Rule("POST", REQUESTERS),
    # REST API
    "api:schema": Rule("GET", "*"),
    "api:docs": Rule("GET", "*"),
    "api:token": Rule("POST", "*"),
    "api:datasets": Rule("GET", REQUESTERS),
    "api:dataset-detail": Rule("GET", "dr"),
    "api:dataset-files": Rule("POST", "dr"),
    "api:dataset-snippets": Rule("GET", "dr"),
    "api:job-detail": Rule("GET", "dr"),
    "api:projects": Rule("GET", REQUESTERS),
    "api:project-detail": Rule("GET", "dr"),
    "api:project-start": Rule("POST", "dr"),
    "api:project-pause": Rule("POST", "dr"),
    "api:project-stats": Rule("GET", "dr"),
    "api:project-control-tasks": Rule("POST", "dr"),
    "api:project-export": Rule("GET", "dr"),
    "api:project-exports": Rule("POST", "dr"),
    "api:export-download": Rule("GET", "dr", may_404=True),
    "api:assignment-next": Rule("POST", ANNOTATORS),  # the project asks no skill
    "api:assignment-submit": Rule("POST", "a"),
    "api:assignment-skip": Rule("POST", "a"),
    "api:assignment-report": Rule("POST", "a"),
    "api:annotators": Rule("POST", REQUESTERS),
    "api:annotator-detail": Rule("GET", REQUESTERS),
    "api:annotator-skills": Rule("PATCH", REQUESTERS),
    "api:me": Rule("GET", SIGNED_IN),
    "api/^.*$": Rule("GET", "*"),
    "healthz": Rule("GET", "*"),
}


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code == 401 or "/accounts/login/" in response.get("Location", ""):
        return "login"
    if response.status_code in (403, 404):
        return "denied"
    if response.status_code == 405:
        return "wrong method"
    return "ok"


def url_for(world: World, pattern: Pattern) -> str:
    if pattern.name == pattern.route:  # an unnamed pattern: the API's catch-all
        return "/api/v1/no-such-thing"
    return reverse(pattern.name, kwargs=world.kwargs(pattern))


def request_as(world: World, role: str, method: str, url: str):
    client = Client()
    if ROLES[role] is not None:
        client.force_login(getattr(world, ROLES[role]))
    return getattr(client, method.lower())(url)


def test_every_url_has_a_rule():
    names = {p.name for p in url_patterns()}
    assert sorted(names - set(RULES)) == [], "add these URLs to RULES"
    assert sorted(set(RULES) - names) == [], "these URLs are gone: remove their rules"


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", url_patterns(), ids=lambda p: p.name)
def test_only_the_allowed_roles_get_in(pattern):
    rule = RULES.get(pattern.name)
    assert rule is not None, f"no rule for {pattern.name}"
    world = build_world()
    url = url_for(world, pattern)
    # Refused roles first: the allowed ones may change the world (skip, pause, ...).
    order = sorted(ROLES, key=lambda r: rule.allowed == "*" or r in rule.allowed)
    for role in order:
        got = outcome(request_as(world, role, rule.method, url))
        assert not got.startswith("error"), (role, got)
        if rule.allowed == "*":
            continue
        if role in rule.allowed:
            assert got == "ok" or (rule.may_404 and got == "denied"), (role, got)
        else:
            assert got == ("login" if role == "n" else "denied"), (role, got)
