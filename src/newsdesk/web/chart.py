"""Attention-over-time as an SVG line chart, drawn on the server (no JS, no library).

Series differ by dash pattern and marker shape as well as colour, so the chart
reads in greyscale; a <title> and <desc> describe it to screen readers, and
each point carries a <title> tooltip with its period and value.
"""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH, HEIGHT = 760, 320
PAD_L, PAD_R, PAD_T, PAD_B = 64, 16, 16, 56
STYLES = [  # (colour, dash, marker)
    ("#1f4e9c", "", "circle"),
    ("#b3471b", "8 4", "square"),
    ("#2d7a3a", "2 3", "triangle"),
    ("#6b3fa0", "12 3 2 3", "diamond"),
    ("#555555", "4 4", "circle"),
]


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    import math

    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * exp:
            return m * exp
    return 10 * exp


def _fmt(v: float, share: bool) -> str:
    if share:
        return f"{v * 100:.2g}%" if v < 0.1 else f"{v * 100:.0f}%"
    return f"{v:,.0f}" if v >= 10 or v == int(v) else f"{v:.1f}"


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y + 3.5:.1f} L{x - 4.5:.1f} {y + 3.5:.1f} Z" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y:.1f} L{x:.1f} {y + 5:.1f} L{x - 5:.1f} {y:.1f} Z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def svg_timeline(data: dict[str, Any]) -> str:
    """The SVG markup for :func:`newsdesk.analysis.timeline` output."""
    series = data["series"]
    share = bool(data.get("normalize"))
    periods = [b["period"] for b in series[0]["buckets"]] if series else []
    what = "share of all articles" if share else "articles"
    title = f"Attention over time ({what} per {data['interval']})"
    if not periods:
        return (f'<svg role="img" viewBox="0 0 {WIDTH} 80" class="chart"><title>{escape(title)}</title>'
                f'<text x="10" y="40">No dated articles match.</text></svg>')
    top = _nice_max(max((b["value"] for s in series for b in s["buckets"]), default=0))
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    n = len(periods)

    def px(i: int) -> float:
        return PAD_L + (plot_w * (i + 0.5) / n)

    def py(v: float) -> float:
        return PAD_T + plot_h * (1 - v / top)

    desc = "; ".join(
        f"{s['query']}: " + ", ".join(f"{b['period']} {_fmt(b['value'], share)}" for b in s["buckets"][:60])
        for s in series
    )
    out = [
        f'<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for k in range(5):  # horizontal grid + y labels
        v = top * k / 4
        y = py(v)
        out.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_fmt(v, share)}</text>')
    step = max(1, round(n / 12))
    for i in range(0, n, step):  # x labels
        x = px(i)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{PAD_T + plot_h}" y2="{PAD_T + plot_h + 4}" class="axis"/>')
        out.append(f'<text x="{x:.1f}" y="{PAD_T + plot_h + 18}" text-anchor="middle" class="tick">'
                   f'{escape(periods[i])}</text>')
    out.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{PAD_T + plot_h}" y2="{PAD_T + plot_h}" class="axis"/>')
    out.append(f'<line x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{PAD_T + plot_h}" class="axis"/>')
    for si, s in enumerate(series):
        colour, dash, marker = STYLES[si % len(STYLES)]
        pts = " ".join(f"{px(i):.1f},{py(b['value']):.1f}" for i, b in enumerate(s["buckets"]))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        if n <= 120:
            for i, b in enumerate(s["buckets"]):
                out.append(f'<g>{_marker(marker, px(i), py(b["value"]), colour)}'
                           f'<title>{escape(s["query"])} · {escape(b["period"])}: {b["count"]:,} articles'
                           f' ({b["share"] * 100:.2f}% of {b["all"]:,})</title></g>')
    y_leg = HEIGHT - 14
    x_leg = PAD_L
    for si, s in enumerate(series):  # legend
        colour, dash, marker = STYLES[si % len(STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{x_leg}" x2="{x_leg + 30}" y1="{y_leg}" y2="{y_leg}" stroke="{colour}" '
                   f'stroke-width="2.5"{dash_attr}/>')
        out.append(_marker(marker, x_leg + 15, y_leg, colour))
        label = s["query"] if len(s["query"]) <= 28 else s["query"][:27] + "…"
        out.append(f'<text x="{x_leg + 36}" y="{y_leg + 4}" class="legend">{escape(label)}</text>')
        x_leg += 48 + 7 * len(label)
    out.append("</svg>")
    return "".join(out)
