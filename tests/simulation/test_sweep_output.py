"""The sweep's table and plot from a made-up result (pure)."""

from xml.etree import ElementTree

from annotator.simulation.sweep import sweep_svg, sweep_table

SVG = "{http://www.w3.org/2000/svg}"


def _row(mix, overlap, rate, f1, cost):
    return {
        "mix": mix, "overlap": overlap, "control_rate": rate, "final_snippets": 20,
        "assignments_per_snippet": cost, "cost_per_snippet_cents": cost and cost * 5,
        "f1": {"majority": f1, "weighted": f1, "dawid_skene": f1},
        "low_quality_banned": 1, "low_quality_annotators": 2,
    }  # fmt: skip


RESULT = {
    "rows": [
        _row("mixed", 1, 0.0, 0.6, 1.0),
        _row("mixed", 3, 0.1, 0.9, 3.4),
        _row("spammy", 5, 0.2, None, None),  # nothing finished: no point
    ]
}


def test_the_table_has_a_row_per_run():
    lines = sweep_table(RESULT).splitlines()
    assert len(lines) == 2 + 3
    assert lines[3] == "| mixed | 3 | 10% | 20 | 3.40 | 17.00 | 0.90 | 0.90 | 0.90 | 1/2 |"
    assert "| - | - | - | - |" in lines[4]


def test_the_plot_is_an_svg_with_one_marker_per_finished_run():
    root = ElementTree.fromstring(sweep_svg(RESULT))
    assert root.tag == f"{SVG}svg"
    tooltips = [t.text for t in root.iter(f"{SVG}title")]
    assert len(tooltips) == 2
    assert tooltips[1].startswith("mixed overlap 3 control 10%: F1 0.90")
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "mixed" in labels and "overlap 3" in labels


def test_sweep_write_leaves_json_and_plot_for_the_dashboard(tmp_path):
    import json

    from annotator.simulation.sweep import sweep_write

    path = tmp_path / "simulations" / "run.json"
    sweep_write(RESULT, json_path=path, svg_path=path.with_suffix(".svg"))
    assert json.loads(path.read_text())["rows"][1]["overlap"] == 3
    assert path.with_suffix(".svg").read_text().startswith("<svg")
