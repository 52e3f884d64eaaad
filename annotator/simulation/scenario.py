"""Set up a simulated project through the REST API, the way a requester's script would.

Requester account and annotator consent are the two steps the API has no endpoint for:
the requester is created here (the command line is the admin's side), and consent, an
annotator's own act on the website, is given through the accounts service.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from annotator.accounts.models import User
from annotator.accounts.services import user_consent
from annotator.api.services import token_revoke
from annotator.demo import synthetic
from annotator.simulation.client import ApiClient
from annotator.simulation.profiles import SnippetTruth
from annotator.simulation.truth import gold_items, is_clean, snippet_truth

REQUESTER = "sim-requester"
JOB_TIMEOUT = 300.0


class SetupError(RuntimeError):
    """The API refused a setup step; the message carries its answer."""


@dataclass(frozen=True)
class ScenarioSpec:
    crowd: tuple[str, ...]  # one profile name per simulated annotator
    files: int = 8
    seed: int = 7
    categories: tuple[str, ...] = ("NAME", "EMAIL", "USERNAME", "IP_ADDRESS")
    overlap: int = 3
    control_rate: float = 0.1
    reward_cents: int = 5
    lease_seconds: int = 300
    label: str = ""  # names the dataset, project and annotators of this run


@dataclass
class SimAnnotator:
    index: int
    username: str
    profile: str
    user_id: int
    token: str


@dataclass
class Scenario:
    spec: ScenarioSpec
    base_url: str
    requester_token: str
    dataset_id: int
    project_id: int
    truths: dict[int, SnippetTruth]  # by snippet id
    places: dict[tuple[str, int], int]  # (path, start_line) -> snippet id
    control_snippets: set[int]
    annotators: list[SimAnnotator] = field(default_factory=list)


def _ok(reply, step: str, expected: Sequence[int] = (200, 201, 202)):
    if reply.status not in expected:
        raise SetupError(f"{step}: HTTP {reply.status} {reply.data}")
    return reply.data


def requester_ensure(password: str) -> User:
    """The simulation's requester, with a fresh password for this run."""
    user, _ = User.objects.get_or_create(username=REQUESTER, defaults={"role": User.Role.REQUESTER})
    user.role = User.Role.REQUESTER
    user.is_active = True
    user.set_password(password)
    user.save(update_fields=["role", "is_active", "password"])
    return user


def token_for(base_url: str, username: str, password: str) -> str:
    data = _ok(
        ApiClient(base_url).post(
            "/api/v1/auth/token", {"username": username, "password": password}
        ),
        f"token for {username}",
    )
    return data["token"]


def scenario_setup(*, base_url: str, spec: ScenarioSpec) -> Scenario:
    label = spec.label or timezone.now().strftime("%Y%m%d-%H%M%S")
    password = secrets.token_urlsafe(18)
    requester_ensure(password)
    api = ApiClient(base_url, token_for(base_url, REQUESTER, password))
    files = {f.path: f for f in synthetic.generate_files(spec.files, spec.seed)}
    dataset_id = _dataset_import(api, f"Simulation {label}", list(files.values()))
    truths, places, clean = _snippet_truths(api, dataset_id, files, spec.categories)
    project = _ok(
        api.post(
            "/api/v1/projects",
            {
                "name": f"Simulation {label}",
                "dataset": dataset_id,
                "categories": list(spec.categories),
                "overlap": spec.overlap,
                "control_rate": spec.control_rate,
                "reward_cents": spec.reward_cents,
                "lease_seconds": spec.lease_seconds,
                "instructions": "Simulated crowd: see docs/SIMULATION.md.",
            },
        ),
        "create the project",
    )
    controls = _controls(api, project["id"], spec, truths, clean)
    _ok(api.post(f"/api/v1/projects/{project['id']}/start"), "start the project")
    scenario = Scenario(
        spec, base_url, api.token, dataset_id, project["id"], truths, places, controls
    )
    scenario.annotators = _enrol(api, base_url, spec, label)
    return scenario


def _dataset_import(api: ApiClient, name: str, files: list[synthetic.SyntheticFile]) -> int:
    dataset = _ok(api.post("/api/v1/datasets", {"name": name}), "create the dataset")
    body = {
        "files": [
            {
                "path": f.path,
                "content": f.content,
                "language": f.language,
                "license": f.license,
                "repository": f.repository,
            }
            for f in files
        ]
    }
    job = _ok(api.post(f"/api/v1/datasets/{dataset['id']}/files", body), "upload the files")
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        state = _ok(api.get(f"/api/v1/jobs/{job['job']}"), "poll the import job")
        if state["status"] == "done":
            return dataset["id"]
        if state["status"] == "failed":
            raise SetupError(f"The import job failed: {state['error']}")
        time.sleep(0.2)
    raise SetupError("The import job did not finish: is a Celery worker running?")


def _snippet_truths(api, dataset_id, files, categories):
    truths: dict[int, SnippetTruth] = {}
    places: dict[tuple[str, int], int] = {}
    clean: list[int] = []
    page = 1
    while page:
        data = _ok(
            api.get(f"/api/v1/datasets/{dataset_id}/snippets?page={page}&page_size=1000"),
            "list the snippets",
        )
        for item in data["results"]:
            source = files[item["path"]]
            where = {"start_line": item["start_line"], "text": item["text"]}
            truths[item["id"]] = snippet_truth(source, categories=categories, **where)
            places[(item["path"], item["start_line"])] = item["id"]
            if is_clean(source, **where):
                clean.append(item["id"])
        page = page + 1 if data["next"] else 0
    return truths, places, clean


def controls_wanted(snippets: int, rate: float) -> int:
    """Control tasks for a control share `rate`: each is answered `overlap` times, so about
    snippets * rate / (1 - rate) of them keep every annotator supplied; one spare."""
    if rate <= 0:
        return 0
    return math.ceil(snippets * rate / max(1 - rate, 0.05)) + 1


def _controls(api, project_id, spec, truths, clean) -> set[int]:
    count = min(controls_wanted(len(truths), spec.control_rate), len(clean) // 2)
    if not count:
        return set()
    picks = random.Random(spec.seed).sample(sorted(clean), count)
    items = gold_items([(snippet_id, truths[snippet_id]) for snippet_id in picks])
    _ok(api.post(f"/api/v1/projects/{project_id}/control-tasks", {"items": items}), "controls")
    return set(picks)


def _enrol(api: ApiClient, base_url: str, spec: ScenarioSpec, label: str) -> list[SimAnnotator]:
    crowd, passwords = [], {}
    for index, profile in enumerate(spec.crowd):
        username = f"sim-{label}-{index:03d}-{profile}"[:150]
        password = secrets.token_urlsafe(18)
        user = _ok(
            api.post("/api/v1/annotators", {"username": username, "password": password}),
            f"enrol {username}",
        )
        crowd.append(SimAnnotator(index, username, profile, user["id"], token=""))
        passwords[username] = password
    # Consent is the annotator's own act on the website; simulated ones accept here.
    for user in User.objects.filter(pk__in=[a.user_id for a in crowd]):
        user_consent(user=user)
    for annotator in crowd:
        annotator.token = token_for(base_url, annotator.username, passwords[annotator.username])
    return crowd


def scenario_retire(scenario: Scenario) -> None:
    """Lock the run's accounts once it is over: no token, no usable password.

    Simulated accounts are never meant to be used by a person, and a fast test hasher may
    have hashed their passwords (see server.local_server).
    """
    ids = [a.user_id for a in scenario.annotators]
    users = User.objects.filter(pk__in=ids) | User.objects.filter(username=REQUESTER)
    for user in users:
        token_revoke(user=user)
        user.set_unusable_password()
        user.save(update_fields=["password"])
