"""One simulation: set up through the API, run the crowd, export, report."""

from __future__ import annotations

import json
from dataclasses import asdict

from annotator.simulation.client import ApiClient
from annotator.simulation.crowd import CrowdOutcome, Limits, crowd_run
from annotator.simulation.report import report_build
from annotator.simulation.scenario import (
    Scenario,
    ScenarioSpec,
    SetupError,
    scenario_retire,
    scenario_setup,
)


def export_records(scenario: Scenario) -> list[dict]:
    """The project's raw JSONL export, read through the API as the requester."""
    api = ApiClient(scenario.base_url, scenario.requester_token)
    path = f"/api/v1/projects/{scenario.project_id}/export?format=jsonl&kind=raw"
    status, text = api.get_text(path)
    api.close()
    if status != 200:
        raise SetupError(f"export: HTTP {status} {text[:200]}")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def simulate_once(*, base_url: str, spec: ScenarioSpec, limits: Limits, seed: int = 0) -> dict:
    scenario = scenario_setup(base_url=base_url, spec=spec)
    try:
        outcome = crowd_run(scenario, limits, seed)
        records = export_records(scenario)
    finally:
        scenario_retire(scenario)
    annotators = [asdict(a) for a in outcome.annotators]
    report = report_build(
        records=records,
        truths=scenario.truths,
        categories=spec.categories,
        overlap=spec.overlap,
        annotators=annotators,
        cost_cents=sum(a.earnings_cents or 0 for a in outcome.annotators),
    )
    return {"settings": _settings(spec, limits, seed), "project": scenario.project_id,
            "run": _run_figures(outcome), **report, "annotators": annotators}  # fmt: skip


def _settings(spec: ScenarioSpec, limits: Limits, seed: int) -> dict:
    return {**asdict(spec), **asdict(limits), "seed": seed, "crowd": list(spec.crowd)}


def _run_figures(outcome: CrowdOutcome) -> dict:
    errors = [e for a in outcome.annotators for e in a.errors]
    return {
        "seconds": round(outcome.seconds, 2),
        "stopped_by": outcome.stopped_by,
        "submitted": outcome.submitted,
        "submissions_per_second": outcome.submitted / outcome.seconds if outcome.seconds else 0,
        "conflicts": sum(a.conflicts for a in outcome.annotators),
        "errors": errors,
    }
