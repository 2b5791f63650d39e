"""Server-side SVG chart of reported values against a target line and a deadline.

Drawn on the server so the page needs no script, no chart library and no CDN,
and so the chart is readable by screen readers (title + description) and
printable as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Point:
    year: float
    value: float
    label: str = ""
    kind: str = "progress"  # progress | baseline


def _year(s: str | None) -> int | None:
    if not s:
        return None
    try:
        return int(str(s)[:4])
    except ValueError:
        return None


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.2f}".rstrip("0").rstrip(".")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 × 10^k steps) inside [lo, hi]."""
    import math

    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), 10 * mag)
    first = math.ceil(lo / step) * step
    out = []
    v = first
    while v <= hi + 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def progress_chart(
    points: list[Point],
    *,
    target: float | None,
    unit: str = "",
    deadline: str | None = None,
    title: str = "",
    width: int = 640,
    height: int = 300,
) -> str:
    """SVG markup; points sorted by year; empty chart with a note when nothing is reported."""
    dl = _year(deadline)
    years = [p.year for p in points] + ([dl] if dl else [])
    values = [p.value for p in points] + ([target] if target is not None else [])
    if not years:
        years = [2020, 2025]
    if not values:
        values = [0.0, 1.0]
    x0, x1 = min(years) - 0.5, max(years) + 0.5
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.15 or max(abs(hi) * 0.1, 1.0)
    y0, y1 = lo - pad, hi + pad
    ml, mr, mt, mb = 64, 24, 28, 40
    pw, ph = width - ml - mr, height - mt - mb

    def sx(x: float) -> float:
        return ml + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return mt + (1 - (y - y0) / (y1 - y0)) * ph

    desc_parts = [f"{int(p.year)}年{_fmt(p.value)}{unit}" for p in points]
    if target is not None:
        desc_parts.append(f"目标{_fmt(target)}{unit}")
    if dl:
        desc_parts.append(f"期限{dl}年")
    desc = "；".join(desc_parts) or "暂无数据"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title or "报告值与目标")}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" class="plot"/>',
    ]
    # y grid at round values
    for v in _ticks(y0, y1):
        y = sy(v)
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{escape(_fmt(round(v, 2)))}</text>')
    for yr in range(int(x0 + 0.5), int(x1 - 0.5) + 1):
        out.append(f'<text x="{sx(yr):.1f}" y="{mt + ph + 18}" class="axis" text-anchor="middle">{yr}</text>')
    if unit:
        out.append(f'<text x="{ml - 6}" y="{mt - 10}" class="axis" text-anchor="end">{escape(unit)}</text>')
    pts = sorted(points, key=lambda p: (p.year, -p.value))
    by_year: dict[float, list[Point]] = {}
    for p in pts:
        by_year.setdefault(p.year, []).append(p)
    if target is not None:
        ty = sy(target)
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{ty:.1f}" y2="{ty:.1f}" class="target"/>')
        # label at the right end, on the side of the line that no nearby point label occupies
        near = [sy(p.value) for p in pts if sx(p.year) >= ml + pw - 130]
        above = not any(ty - 26 <= y <= ty + 4 for y in near)
        ly = ty - 6 if above else ty + 16
        out.append(f'<text x="{ml + pw - 6}" y="{ly:.1f}" class="target-label" text-anchor="end">'
                   f'目标 {escape(_fmt(target))}{escape(unit)}</text>')
    if dl:
        dx = sx(dl)
        out.append(f'<line x1="{dx:.1f}" x2="{dx:.1f}" y1="{mt}" y2="{mt + ph}" class="deadline"/>')
        out.append(f'<text x="{dx - 4:.1f}" y="{mt + 14}" class="deadline-label" text-anchor="end">期限 {dl}</text>')
    if len(by_year) > 1:
        # one value per year on the line (the less favourable reading is not chosen here:
        # disagreeing figures of one year are all drawn as points, labelled above and below)
        line = [grp[0] for grp in by_year.values()]
        path = " ".join(f"{'M' if i == 0 else 'L'}{sx(p.year):.1f},{sy(p.value):.1f}" for i, p in enumerate(line))
        out.append(f'<path d="{path}" class="series"/>')
    for grp in by_year.values():
        for k, p in enumerate(grp):
            cls = "point baseline" if p.kind == "baseline" else "point"
            tip = f"{int(p.year)}年 {_fmt(p.value)}{unit}" + (f"（{p.label}）" if p.label else "")
            out.append(
                f'<circle cx="{sx(p.year):.1f}" cy="{sy(p.value):.1f}" r="5" class="{cls}"><title>{escape(tip)}</title></circle>'
            )
            dy = -10 if k == 0 else 20 + 14 * (k - 1)  # the highest value above its point, the others below
            out.append(
                f'<text x="{sx(p.year):.1f}" y="{sy(p.value) + dy:.1f}" class="value" text-anchor="middle">{escape(_fmt(p.value))}</text>'
            )
    if not pts:
        out.append(f'<text x="{ml + pw / 2:.1f}" y="{mt + ph / 2:.1f}" class="empty" text-anchor="middle">尚无报告数据</text>')
    out.append("</svg>")
    return "\n".join(out)
