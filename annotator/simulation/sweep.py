"""The sweep: one small simulation per (overlap, control rate, crowd mix), then a table,
a plot of quality against cost, and a JSON file the dashboard reads."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from annotator.simulation.crowd import Limits
from annotator.simulation.profiles import crowd_parse
from annotator.simulation.run import simulate_once
from annotator.simulation.scenario import ScenarioSpec
from annotator.simulation.svg import Point, scatter_svg

OVERLAPS = (1, 3, 5)
CONTROL_RATES = (0.0, 0.05, 0.1, 0.2)
MIXES = ("mixed", "spammy")


def sweep_row(mix: str, result: dict) -> dict:
    """The figures of one run that the table and the plot show."""
    methods = result["methods"]
    spam = [result["profiles"].get(p) for p in ("spammer", "fast_clicker")]
    spam = [row for row in spam if row]
    return {
        "mix": mix,
        "overlap": result["settings"]["overlap"],
        "control_rate": result["settings"]["control_rate"],
        "final_snippets": result["final_snippets"],
        "assignments_per_snippet": result["assignments_per_final_snippet"],
        "cost_per_snippet_cents": result["cost_per_snippet_cents"],
        "f1": {m: methods[m]["ALL"]["f1"] for m in methods},
        "precision": {m: methods[m]["ALL"]["precision"] for m in methods},
        "recall": {m: methods[m]["ALL"]["recall"] for m in methods},
        "low_quality_banned": sum(r["banned"] for r in spam),
        "low_quality_annotators": sum(r["annotators"] for r in spam),
        "alpha": result["agreement"]["alpha"],
        "stopped_by": result["run"]["stopped_by"],
        "seconds": result["run"]["seconds"],
    }


def sweep_run(
    *,
    base_url: str,
    spec: ScenarioSpec,
    limits: Limits,
    seed: int,
    overlaps: Sequence[int] = OVERLAPS,
    rates: Sequence[float] = CONTROL_RATES,
    mixes: Sequence[str] = MIXES,
    progress: Callable[[str], None] = lambda _: None,
) -> dict:
    rows = []
    for index, (mix, overlap, rate) in enumerate(itertools.product(mixes, overlaps, rates)):
        run_spec = replace(
            spec, crowd=tuple(crowd_parse(mix)), overlap=overlap, control_rate=rate,
            label=f"{spec.label}-s{index:02d}",
        )  # fmt: skip
        result = simulate_once(base_url=base_url, spec=run_spec, limits=limits, seed=seed)
        rows.append(sweep_row(mix, result))
        progress(_row_line(rows[-1]))
    return {"settings": {"files": spec.files, "seed": seed, "categories": list(spec.categories),
                         "reward_cents": spec.reward_cents, "max_tasks": limits.max_tasks,
                         "max_seconds": limits.max_seconds}, "rows": rows}  # fmt: skip


def _f(value, digits=2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _row_line(row: dict) -> str:
    f1 = row["f1"]
    return (
        f"| {row['mix']} | {row['overlap']} | {row['control_rate']:.0%} | "
        f"{row['final_snippets']} | {_f(row['assignments_per_snippet'])} | "
        f"{_f(row['cost_per_snippet_cents'])} | {_f(f1['majority'])} | {_f(f1['weighted'])} | "
        f"{_f(f1['dawid_skene'])} | {row['low_quality_banned']}/{row['low_quality_annotators']} |"
    )


def sweep_table(result: dict) -> str:
    head = (
        "| crowd | overlap | control | final snippets | answers per snippet | "
        "cost per snippet (cents) | F1 majority | F1 weighted | F1 Dawid-Skene | "
        "spammers + fast clickers banned |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([head, *(_row_line(r) for r in result["rows"])]) + "\n"


def sweep_svg(result: dict, method: str = "dawid_skene") -> str:
    points = [
        Point(
            x=row["assignments_per_snippet"] or 0.0,
            y=row["f1"][method] or 0.0,
            series=row["mix"],
            shape=f"overlap {row['overlap']}",
            label=f"{row['mix']} overlap {row['overlap']} control {row['control_rate']:.0%}: "
            f"F1 {_f(row['f1'][method])}, {_f(row['assignments_per_snippet'])} answers/snippet",
            tag=f"{row['control_rate']:.0%}",
        )
        for row in result["rows"]
        if row["assignments_per_snippet"] is not None
    ]
    return scatter_svg(
        points,
        title=f"Final-label F1 ({method}) against cost",
        x_label="answers paid per final snippet (control answers included)",
        y_label="F1 of final labels vs truth",
        series_title="crowd (tag: control rate)",
        shape_title="overlap",
    )


def sweep_write(result: dict, *, json_path: Path, svg_path: Path | None = None) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=1, default=str))
    if svg_path is not None:
        svg_path.parent.mkdir(parents=True, exist_ok=True)
        svg_path.write_text(sweep_svg(result))
