"""Crowd-simulation sweeps (`manage.py simulate --sweep`) read back for the dashboard.

A sweep is a JSON file under MEDIA_ROOT/simulations/ written by
`annotator.simulation.sweep.sweep_write`: {"settings": {...}, "rows": [...]}, each row
one (crowd mix, overlap, control rate) run with its cost and the F1 of each method.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings

from annotator.dashboard import charts

METHODS = ("majority", "weighted", "dawid_skene")


def sweep_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "simulations"
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)


def sweep_load(path: Path) -> dict | None:
    """The sweep, or None when the file is not one (half written, another format)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        return None
    rows = [row for row in data["rows"] if isinstance(row, dict)]
    return {**data, "rows": rows}


def quality_cost_figure(rows: list[dict], method: str = "dawid_skene") -> charts.Figure:
    by_mix: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        cost, f1 = row.get("cost_per_snippet_cents"), (row.get("f1") or {}).get(method)
        if isinstance(cost, int | float) and isinstance(f1, int | float):
            by_mix[str(row.get("mix", "?"))].append((float(cost), float(f1)))
    return charts.line_chart(
        title=f"Final-label F1 ({method.replace('_', '-')}) against cost per snippet",
        series=[charts.Series(mix, tuple(sorted(points))) for mix, points in by_mix.items()],
        x_label="cost per final snippet (cents)", y_label="F1", y_max=1.0,
    )  # fmt: skip


def latest_sweep_context() -> dict:
    files = sweep_files()
    for path in files:
        sweep = sweep_load(path)
        if sweep is not None:
            return {
                "sweep": sweep,
                "name": path.stem,
                "figure": quality_cost_figure(sweep["rows"]),
                "others": [p.stem for p in files if p != path][:20],
                "methods": METHODS,
            }
    return {"sweep": None, "others": [p.stem for p in files]}
