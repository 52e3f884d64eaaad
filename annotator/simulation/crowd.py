"""Run the simulated annotators concurrently, one thread each, through the REST API.

Each thread loops: take the next task, answer it with its profile (knowing the hidden
truth of the snippet), wait its scaled thinking time, submit. It stops when the shared
task budget or the time runs out, when the project has had nothing for it for a while,
or when `next` answers 403: the annotator was cut off (a ban), and the number of tasks it
had submitted by then is recorded.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from annotator.simulation.client import ApiClient
from annotator.simulation.profiles import PROFILES, answer
from annotator.simulation.scenario import Scenario, SimAnnotator

MAX_ERRORS = 20  # unexpected answers before a simulated annotator gives up
# `next` takes no input, so a 400 can only be a rule refusing the annotator, as a 403 is.
REFUSED = (400, 403)


@dataclass(frozen=True)
class Limits:
    max_tasks: int = 500  # submissions (tries) for the whole crowd
    max_seconds: float = 60.0
    time_scale: float = 0.002  # real seconds slept per simulated second of work
    idle_seconds: float = 1.5  # stop after this long with no task offered


@dataclass
class AnnotatorOutcome:
    index: int
    username: str
    profile: str
    user_id: int
    submitted: int = 0
    conflicts: int = 0  # submits refused with 409 (lease ran out)
    banned_after: int | None = None  # tasks submitted before `next` answered 403
    ban_reason: str = ""
    earnings_cents: int | None = None
    errors: list[str] = field(default_factory=list)
    assignments: list[int] = field(default_factory=list)  # submitted, per the API


@dataclass
class CrowdOutcome:
    annotators: list[AnnotatorOutcome]
    seconds: float
    stopped_by: str  # "done", "max_tasks" or "max_seconds"

    @property
    def submitted(self) -> int:
        return sum(a.submitted for a in self.annotators)


class _Budget:
    def __init__(self, tasks: int) -> None:
        self._left = tasks
        self._lock = threading.Lock()
        self.exhausted = False

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                self.exhausted = True
                return False
            self._left -= 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self._left += 1


def crowd_run(scenario: Scenario, limits: Limits, seed: int = 0) -> CrowdOutcome:
    budget = _Budget(limits.max_tasks)
    began = time.monotonic()
    deadline = began + limits.max_seconds
    outcomes = [
        AnnotatorOutcome(a.index, a.username, a.profile, a.user_id) for a in scenario.annotators
    ]
    threads = [
        threading.Thread(
            target=_work,
            args=(scenario, annotator, outcome, limits, budget, deadline, seed),
            name=f"sim-{annotator.index}",
            daemon=True,
        )
        for annotator, outcome in zip(scenario.annotators, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 30)
    seconds = time.monotonic() - began
    stopped_by = "max_tasks" if budget.exhausted else "done"
    if time.monotonic() >= deadline:
        stopped_by = "max_seconds"
    return CrowdOutcome(outcomes, seconds, stopped_by)


def _work(scenario, annotator: SimAnnotator, outcome, limits, budget, deadline, seed) -> None:
    api = ApiClient(scenario.base_url, annotator.token)
    rng = random.Random(f"{seed}:{annotator.index}:{annotator.profile}")
    try:
        _loop(scenario, api, annotator, outcome, limits, budget, deadline, rng)
    except Exception as exc:  # a thread must report, not vanish
        outcome.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        me = api.get("/api/v1/me")
        if me.status == 200:
            outcome.earnings_cents = me.data["earnings"]["total_cents"]
        api.close()


def _loop(scenario, api, annotator, outcome, limits, budget, deadline, rng) -> None:
    project = scenario.project_id
    idle_since = None
    while time.monotonic() < deadline and len(outcome.errors) < MAX_ERRORS:
        if not budget.take():
            return
        reply = api.post(f"/api/v1/projects/{project}/assignments/next")
        if reply.status != 200:
            budget.give_back()
        if reply.status == 204:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > limits.idle_seconds:
                return
            time.sleep(0.05 + 0.1 * rng.random())
            continue
        if reply.status in REFUSED:
            outcome.banned_after = outcome.submitted
            outcome.ban_reason = f"{reply.status}: {_detail(reply)}"
            return
        if reply.status != 200:
            outcome.errors.append(f"next: HTTP {reply.status} {_detail(reply)}")
            continue
        idle_since = None
        _answer_and_submit(scenario, api, annotator, outcome, limits, reply.data, rng)


def _answer_and_submit(scenario, api, annotator, outcome, limits, assignment, rng) -> None:
    task = assignment["task"]
    snippet_id = scenario.places[(task["path"], task["start_line"])]
    given = answer(
        PROFILES[annotator.profile], scenario.truths[snippet_id], task["categories"], rng
    )
    time.sleep(given.time_spent_ms / 1000 * limits.time_scale)
    body = {
        "spans": [
            {"start": s.start, "end": s.end, "category": s.category, "context": s.context}
            for s in given.spans
        ],
        "no_pii": given.no_pii,
        "time_spent_ms": given.time_spent_ms,
    }
    reply = api.post(f"/api/v1/assignments/{assignment['id']}/submit", body)
    if reply.status == 200:
        outcome.submitted += 1
        outcome.assignments.append(assignment["id"])
    elif reply.status == 409:
        outcome.conflicts += 1
    elif reply.status == 403:
        outcome.banned_after, outcome.ban_reason = outcome.submitted, _detail(reply)
    else:
        outcome.errors.append(f"submit: HTTP {reply.status} {_detail(reply)}")


def _detail(reply) -> str:
    data = reply.data
    return str(data.get("detail", data)) if isinstance(data, dict) else str(data or "")
