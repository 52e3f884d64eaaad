"""Charts as inline SVG (pure: plain data in, an SVG string out; no Django, no I/O).

Every chart comes back as a `Figure`: the SVG and the same figures as a table, so a
page can show both (the table sits in a `<details>` next to the chart). Every piece of
text that reaches the SVG goes through `escape`, so a hostile label (a project or
annotator name) is shown as text; `ChartSvg` marks strings built here, and only those
are inserted unescaped by the `svg_chart` template tag.

The page's CSP forbids inline styles: colours are SVG presentation attributes (`fill`,
`stroke`) plus classes the stylesheet may refine. Each SVG has `role="img"`, a
`<title>` and a `<desc>` for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape as _html_escape

# Okabe-Ito: tells series apart under the common forms of colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 44, 58


class ChartSvg(str):
    """An SVG string built by this module, every text inside it already escaped."""


@dataclass(frozen=True)
class Figure:
    title: str
    svg: ChartSvg
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[tuple[float, float], ...]  # (x, y), drawn in x order


def escape(text: object) -> str:
    return _html_escape(str(text), quote=True)


def number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "\u2013"
    if float(value).is_integer() and digits <= 2:
        return str(int(value))
    return f"{value:.{digits}f}"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is >= value (axis tops)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-12:
            return step * power
    return 10 * power


def count_ceiling(value: float) -> float:
    """An axis top for counts: a multiple of 4, so the five grid lines fall on integers."""
    return float(max(4, 4 * math.ceil(value / 4))) if value <= 40 else nice_ceiling(value)


def _frame(title: str, desc: str, body: list[str], kind: str) -> ChartSvg:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'font-family="system-ui, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    )
    caption = (
        f'<text class="chart-title" x="{LEFT}" y="18" font-size="13" font-weight="600" '
        f'fill="#1d2330">{escape(title)}</text>'
    )
    return ChartSvg(head + caption + "".join(body) + "</svg>")


def _y_axis(top: float, fmt: Callable[[float], str], label: str) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - BOTTOM - plot_h * i / 4
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#dde1e8" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5d6677">'
            f"{escape(fmt(value))}</text>"
        )
    if label:
        parts.append(
            f'<text class="chart-axis-label" x="12" y="{TOP + plot_h / 2:.1f}" fill="#5d6677" '
            f'text-anchor="middle" transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">'
            f"{escape(label)}</text>"
        )
    return parts


def _x_label(label: str) -> str:
    if not label:
        return ""
    return (
        f'<text class="chart-axis-label" x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.1f}" '
        f'y="{HEIGHT - 6}" text-anchor="middle" fill="#5d6677">{escape(label)}</text>'
    )


def _legend(names: Sequence[str]) -> list[str]:
    parts, x = [], WIDTH - RIGHT
    for i in reversed(range(len(names))):
        name = names[i]
        x -= 18 + 7 * min(len(name), 24)
        parts.append(
            f'<rect x="{x}" y="24" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="33" fill="#1d2330">{escape(name[:24])}</text>'
        )
    return parts


def _empty(title: str, kind: str, columns: Sequence[str]) -> Figure:
    body = [
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#5d6677">'
        "No data yet</text>"
    ]
    return Figure(title, _frame(title, "No data yet.", body, kind), tuple(columns), ())


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_label: str = "",
    x_label: str = "",
    y_max: float | None = None,
    fmt: Callable[[float], str] = number,
    kind: str = "bar",
) -> Figure:
    """Grouped vertical bars: one group per label, one bar per series (None: no bar)."""
    columns = ("", *(name for name, _ in series))
    values = [v for _, vals in series for v in vals if v is not None]
    if not labels or not values:
        return _empty(title, "bar", columns)
    top = y_max or nice_ceiling(max(values))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / len(labels)
    bar_w = group_w * 0.8 / len(series)
    body = _y_axis(top, fmt, y_label)
    for g, label in enumerate(labels):
        x0 = LEFT + g * group_w + group_w * 0.1
        for s, (name, vals) in enumerate(series):
            value = vals[g]
            if value is None:
                continue
            h = plot_h * min(max(value, 0), top) / top
            x, y = x0 + s * bar_w, HEIGHT - BOTTOM - h
            body.append(
                f'<rect class="chart-{kind} series-{s}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(label)} · {escape(name)}: '
                f"{escape(fmt(value))}</title></rect>"
            )
        body.append(
            f'<text x="{LEFT + (g + 0.5) * group_w:.1f}" y="{HEIGHT - BOTTOM + 14}" '
            f'text-anchor="middle" fill="#1d2330">{escape(str(label)[:16])}</text>'
        )
    if len(series) > 1:
        body += _legend([name for name, _ in series])
    body.append(_x_label(x_label))
    rows = tuple(
        (str(label), *(fmt(vals[g]) if vals[g] is not None else "\u2013" for _, vals in series))
        for g, label in enumerate(labels)
    )
    desc = f"Bar chart, {len(labels)} groups: " + "; ".join(" ".join(r) for r in rows[:12])
    return Figure(title, _frame(title, desc, body, kind), columns, rows)


def _ticks(lo: float, hi: float) -> list[float]:
    if hi <= lo:
        return [lo]
    return [lo + (hi - lo) * i / 4 for i in range(5)]


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    x_label: str = "",
    y_label: str = "",
    x_ticks: Sequence[tuple[float, str]] | None = None,
    y_max: float | None = None,
    fmt_x: Callable[[float], str] = number,
    fmt_y: Callable[[float], str] = number,
) -> Figure:
    """Lines with a dot per point; `x_ticks` labels the x axis ((x, text) pairs)."""
    columns = ("series", x_label or "x", y_label or "y")
    points = [p for s in series for p in s.points]
    if not points:
        return _empty(title, "line", columns)
    x_lo, x_hi = min(p[0] for p in points), max(p[0] for p in points)
    top = y_max or nice_ceiling(max(p[1] for p in points))
    span = (x_hi - x_lo) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(x: float, y: float) -> tuple[float, float]:
        return LEFT + plot_w * (x - x_lo) / span, HEIGHT - BOTTOM - plot_h * min(y, top) / top

    body = _y_axis(top, fmt_y, y_label)
    ticks = x_ticks if x_ticks is not None else [(x, fmt_x(x)) for x in _ticks(x_lo, x_hi)]
    for x, text in ticks:
        px, _ = at(x, 0)
        body.append(
            f'<text x="{px:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
            f'fill="#1d2330">{escape(text)}</text>'
        )
    for s, line in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        ordered = sorted(line.points)
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in (at(x, y) for x, y in ordered))
        body.append(
            f'<polyline class="chart-line series-{s}" points="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        for x, y in ordered:
            px, py = at(x, y)
            body.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(line.name)}: {escape(fmt_x(x))}, {escape(fmt_y(y))}</title></circle>"
            )
    if len(series) > 1:
        body += _legend([s.name for s in series])
    body.append(_x_label(x_label))
    rows = tuple((line.name, fmt_x(x), fmt_y(y)) for line in series for x, y in sorted(line.points))
    desc = f"Line chart of {len(series)} series, {len(rows)} points."
    return Figure(title, _frame(title, desc, body, "line"), columns, rows)


def histogram(
    *,
    title: str,
    values: Sequence[float],
    lo: float,
    hi: float,
    bins: int = 10,
    x_label: str = "",
    fmt: Callable[[float], str] = number,
) -> Figure:
    """Counts of `values` in `bins` equal bins over [lo, hi] (the last bin is closed)."""
    width = (hi - lo) / bins
    counts = [0] * bins
    for value in values:
        index = min(bins - 1, max(0, int((value - lo) // width))) if width else 0
        counts[index] += 1
    labels = [f"{fmt(lo + i * width)}\u2013{fmt(lo + (i + 1) * width)}" for i in range(bins)]
    if not values:
        return _empty(title, "histogram", ("bin", "count"))
    figure = bar_chart(
        title=title, labels=labels, series=[("count", counts)], y_label="count",
        x_label=x_label, fmt=count_label, kind="histogram", y_max=count_ceiling(max(counts)),
    )  # fmt: skip
    return Figure(title, figure.svg, ("bin", "count"), figure.rows)


def count_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
