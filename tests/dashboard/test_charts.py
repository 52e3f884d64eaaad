"""The chart module is pure: valid SVG out, every label escaped, figures as a table."""

import xml.etree.ElementTree as ET

from annotator.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"quotes\""


def parse(figure: charts.Figure) -> ET.Element:
    return ET.fromstring(figure.svg)


def texts(root: ET.Element) -> str:
    return " ".join(root.itertext())


def test_bar_chart_is_valid_svg_with_a_title_and_role():
    figure = charts.bar_chart(
        title="Agreement", labels=["NAME", "EMAIL"], series=[("F1", [0.5, 0.75])], y_max=1.0
    )
    root = parse(figure)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Agreement"
    assert len(root.findall(f".//{SVG}rect")) == 2
    assert figure.rows == (("NAME", "0.50"), ("EMAIL", "0.75"))


def test_a_hostile_label_is_escaped_everywhere():
    figure = charts.bar_chart(
        title=HOSTILE, labels=[HOSTILE], series=[(HOSTILE, [1.0]), ("other", [2.0])]
    )
    assert "<script>" not in figure.svg
    root = parse(figure)  # still well-formed XML
    assert "<script>" in texts(root)  # shown as text, not markup
    assert not root.findall(f".//{SVG}script")
    line = charts.line_chart(title=HOSTILE, series=[charts.Series(HOSTILE, ((0, 1), (1, 2)))])
    assert "<script>" not in line.svg and not parse(line).findall(f".//{SVG}script")


def test_no_inline_style_attributes_anywhere():
    figures = [
        charts.bar_chart(title="b", labels=["a"], series=[("s", [1])]),
        charts.line_chart(title="l", series=[charts.Series("s", ((0, 1), (2, 3)))]),
        charts.histogram(title="h", values=[1, 2, 3], lo=0, hi=10),
    ]
    for figure in figures:
        for element in parse(figure).iter():
            assert "style" not in element.attrib


def test_histogram_counts_values_into_bins_and_closes_the_last_bin():
    figure = charts.histogram(title="Accuracy", values=[0, 5, 55, 100, 100], lo=0, hi=100, bins=10)
    counts = [int(count) for _, count in figure.rows]
    assert counts == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert figure.columns == ("bin", "count")
    assert len(parse(figure).findall(f".//{SVG}rect")) == 10


def test_line_chart_draws_one_polyline_per_series_and_lists_every_point():
    figure = charts.line_chart(
        title="Throughput",
        series=[charts.Series("a", ((0, 1), (1, 4))), charts.Series("b", ((0, 2),))],
        x_ticks=[(0, "mon"), (1, "tue")],
    )
    root = parse(figure)
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert len(root.findall(f".//{SVG}circle")) == 3
    assert "mon" in texts(root) and "tue" in texts(root)
    assert figure.rows == (("a", "0", "1"), ("a", "1", "4"), ("b", "0", "2"))


def test_empty_data_gives_an_empty_chart_that_says_so():
    for figure in (
        charts.bar_chart(title="x", labels=[], series=[]),
        charts.line_chart(title="x", series=[]),
        charts.histogram(title="x", values=[], lo=0, hi=1),
    ):
        assert figure.empty
        assert "No data yet" in texts(parse(figure))


def test_nice_ceiling_rounds_axis_tops_up():
    assert charts.nice_ceiling(0.7) == 1.0
    assert charts.nice_ceiling(13) == 20
    assert charts.nice_ceiling(240) == 250
    assert charts.nice_ceiling(0) == 1.0


def test_only_chart_svg_is_inserted_as_markup():
    from annotator.dashboard.templatetags.dashboard_tags import svg_chart

    figure = charts.bar_chart(title="t", labels=["a"], series=[("s", [1])])
    assert str(svg_chart(figure.svg)).startswith("<svg")
    assert str(svg_chart("<svg onload=alert(1)>")).startswith("&lt;svg")
