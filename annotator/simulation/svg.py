"""A small scatter plot as standalone SVG (pure): quality against cost for the sweep.

Written by hand rather than with a plotting library: the app has none, and an SVG file
shows the same in the docs and in the dashboard without a server-side renderer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Okabe-Ito, the palette of the taxonomy colours: safe for colour-blind readers.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
SHAPES = ("circle", "square", "triangle", "diamond")
W, H, LEFT, RIGHT, TOP, BOTTOM = 720, 460, 70, 190, 40, 60


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    series: str  # colour
    shape: str  # marker (another cue than colour)
    label: str = ""  # tooltip
    tag: str = ""  # small text printed beside the marker


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    span = hi - lo or 1.0
    raw = span / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= m * step)
    first = math.floor(lo / step) * step
    return [
        first + i * step
        for i in range(int((hi - first) / step) + 2)
        if first + i * step <= hi + 1e-9
    ]


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"/>'


def _text(x: float, y: float, text: str, extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{escape(text)}</text>'


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 5.5
    fill = f'fill="{colour}" fill-opacity="0.85" stroke="#222" stroke-width="0.6"'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" {fill}/>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - r - 1:.1f} {x - r - 1:.1f},{y + r:.1f} {x + r + 1:.1f},{y + r:.1f}"
        return f'<polygon points="{pts}" {fill}/>'
    if shape == "diamond":
        d = r + 1
        pts = f"{x:.1f},{y - d:.1f} {x + d:.1f},{y:.1f} {x:.1f},{y + d:.1f} {x - d:.1f},{y:.1f}"
        return f'<polygon points="{pts}" {fill}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" {fill}/>'


def scatter_svg(
    points: Sequence[Point], *, title: str, x_label: str, y_label: str,
    series_title: str = "", shape_title: str = "",
) -> str:  # fmt: skip
    xs = [p.x for p in points] or [0.0, 1.0]
    ys = [p.y for p in points] or [0.0, 1.0]
    x_lo, x_hi = 0.0, max(xs) * 1.08 or 1.0
    # Scores live in 0..1: a fixed axis keeps plots of different sweeps comparable.
    y_lo, y_hi = (0.0, 1.0) if min(ys) >= 0 and max(ys) <= 1 else (min(ys), max(ys) or 1.0)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(v: float) -> float:
        return LEFT + (v - x_lo) / (x_hi - x_lo) * plot_w

    def sy(v: float) -> float:
        return TOP + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="#fff"/>',
        f'<text x="{W / 2 - RIGHT / 2}" y="22" text-anchor="middle" font-size="15">'
        f"{escape(title)}</text>",
    ]
    bottom = TOP + plot_h
    for t in _ticks(x_lo, x_hi):
        out.append(_line(sx(t), TOP, sx(t), bottom, "#eee"))
        out.append(_text(sx(t), bottom + 18, f"{t:g}", 'text-anchor="middle"'))
    for t in _ticks(y_lo, y_hi):
        out.append(_line(LEFT, sy(t), LEFT + plot_w, sy(t), "#eee"))
        out.append(_text(LEFT - 8, sy(t) + 4, f"{t:.2f}", 'text-anchor="end"'))
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>'
    )
    out.append(_text(LEFT + plot_w / 2, H - 18, x_label, 'text-anchor="middle"'))
    middle = TOP + plot_h / 2
    out.append(
        _text(18, middle, y_label, f'text-anchor="middle" transform="rotate(-90 18 {middle})"')
    )
    series = list(dict.fromkeys(p.series for p in points))
    shapes = list(dict.fromkeys(p.shape for p in points))
    for p in points:
        colour = COLOURS[series.index(p.series) % len(COLOURS)]
        shape = SHAPES[shapes.index(p.shape) % len(SHAPES)]
        tag = (
            f'<text x="{sx(p.x) + 8:.1f}" y="{sy(p.y) - 6:.1f}" font-size="9" fill="#444">'
            f"{escape(p.tag)}</text>"
        )
        marker = _marker(shape, sx(p.x), sy(p.y), colour)
        out.append(f"<g><title>{escape(p.label)}</title>{marker}{tag if p.tag else ''}</g>")
    out += _legend(series, shapes, series_title, shape_title)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(series, shapes, series_title, shape_title) -> list[str]:
    x, y = W - RIGHT + 20, TOP + 10
    out = [f'<text x="{x}" y="{y}" font-weight="bold">{escape(series_title)}</text>']
    for i, name in enumerate(series):
        y += 20
        out.append(_marker("circle", x + 6, y - 4, COLOURS[i % len(COLOURS)]))
        out.append(f'<text x="{x + 18}" y="{y}">{escape(name)}</text>')
    y += 32
    out.append(f'<text x="{x}" y="{y}" font-weight="bold">{escape(shape_title)}</text>')
    for i, name in enumerate(shapes):
        y += 20
        out.append(_marker(SHAPES[i % len(SHAPES)], x + 6, y - 4, "#bbb"))
        out.append(f'<text x="{x + 18}" y="{y}">{escape(name)}</text>')
    return out
