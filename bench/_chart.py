"""Line charts as plain SVG for docs/benchmarks.md: no plotting library, a file GitHub and any
browser show, the same bytes for the same figures (so a re-run changes the file only where a
figure changed)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 250, 36, 48  # margins: the legend sits on the right
COLOURS = ("#1b6ca8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#34495e", "#7f8c8d")
DASHES = ("", "6 3", "2 3", "8 3 2 3")


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]  # (x, y): y the median, drawn as a line
    spans: list[tuple[float, float, float]] | None = None  # (x, low, high): min-max bars


def _nice_step(top: float, ticks: int = 5) -> float:
    raw = top / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:g}"


def line_chart(
    series: list[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    target: tuple[float, str] | None = None,
    log_x: bool = True,
    log_y: bool = False,
) -> str:
    """An SVG line chart of `series` against shared axes; `target` a dashed horizontal line
    (value, label). x on a log scale by default (connections 1, 10, 50); y on one with
    `log_y` (latencies spanning milliseconds to seconds)."""
    xs = sorted({x for s in series for x, _y in s.points})
    highs = [y for s in series for _x, y in s.points]
    highs += [hi for s in series for _x, _lo, hi in (s.spans or [])]
    if target:
        highs.append(target[0])
    lows = [y for s in series for _x, y in s.points if y > 0]
    lows += [lo for s in series for _x, lo, _hi in (s.spans or []) if lo > 0]
    if log_y:
        y_bottom = 10.0 ** math.floor(math.log10(min(lows + [1.0])))
        y_top = 10.0 ** math.ceil(math.log10(max(highs + [1.0]) * 1.05))
        y_ticks = [
            m * 10.0**e
            for e in range(round(math.log10(y_bottom)), round(math.log10(y_top)) + 1)
            for m in (1, 2, 5)
            if m * 10.0**e <= y_top
        ]
    else:
        step = _nice_step(max(highs + [1.0]) * 1.05)
        y_bottom, y_top = 0.0, step * math.ceil(max(highs + [1.0]) * 1.05 / step)
        y_ticks = [step * n for n in range(round(y_top / step) + 1)]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        lo, hi = (math.log10(xs[0]), math.log10(xs[-1])) if log_x else (xs[0], xs[-1])
        v = math.log10(x) if log_x else x
        return LEFT + (plot_w * (v - lo) / (hi - lo) if hi > lo else plot_w / 2)

    def sy(y: float) -> float:
        if log_y:
            lo, hi = math.log10(y_bottom), math.log10(y_top)
            return TOP + plot_h * (1 - (math.log10(max(y, y_bottom)) - lo) / (hi - lo))
        return TOP + plot_h * (1 - y / y_top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in y_ticks:
        y = sy(tick)
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    for x in xs:
        px = sx(x)
        out.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#f0f0f0"/>'
        )
        out.append(
            f'<text x="{px:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{_fmt(x)}</text>'
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    out.append(
        f'<text transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>'
    )
    if target:
        y = sy(target[0])
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#444" '
            'stroke-dasharray="4 4"/>'
        )
        out.append(f'<text x="{LEFT + 4}" y="{y - 4:.1f}" fill="#444">{escape(target[1])}</text>')
    for n, s in enumerate(series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[(n // len(COLOURS)) % len(DASHES)]
        for x, lo, hi in s.spans or []:
            px = sx(x)
            out.append(
                f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{sy(lo):.1f}" y2="{sy(hi):.1f}" '
                f'stroke="{colour}" stroke-width="3" opacity="0.35"/>'
            )
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in sorted(s.points))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
        )
        for x, y in s.points:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
        ly = TOP + 8 + 18 * n
        lx = WIDTH - RIGHT + 12
        out.append(
            f'<line x1="{lx}" x2="{lx + 20}" y1="{ly}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2"{dashed}/>'
        )
        out.append(f'<text x="{lx + 26}" y="{ly + 4}">{escape(s.label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
