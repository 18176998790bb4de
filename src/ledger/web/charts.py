"""Charts as inline SVG drawn on the server: nothing for the browser to fetch, and they print as drawn.

Each function takes plain numbers and labels and returns the SVG markup, every text escaped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = (
    "#3a6ea5", "#e08a2c", "#4d9a55", "#c8453f", "#7a5ea8", "#8c6d31",
    "#d46fa6", "#6f7d8c", "#b5a22b", "#2aa3a3", "#9c5b3f", "#5a5fd1",
)  # fmt: skip
ACT_COLOURS = {
    "unit.registered": "#6f7d8c",
    "unit.reclassified": "#8c6d31",
    "report.filed": "#3a6ea5",
    "report.adopted": "#e08a2c",
    "endorsement.received": "#4d9a55",
    "report.excellent": "#7a5ea8",
    "late_report.notified": "#d46fa6",
    "commission.missed": "#b5a22b",
    "criticism.notified": "#a02c2c",
    "event.voided": "#9aa3ab",
}  # the unit page's list of acts borders each act in the same colour (ledger.css)
POSITIVE, NEGATIVE, HIGHLIGHT, MUTED = "#4d9a55", "#c8453f", "#3a6ea5", "#a9bed6"
WIDTH = 1180


def fmt(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0")


def ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values covering [low, high], zero among them."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-9:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    out = [first]
    while out[-1] < high - 1e-9:
        out.append(round(out[-1] + step, 10))
    return out


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def _svg(width: float, height: float, caption: str, body: list[str], kind: str = "") -> Markup:
    return Markup(
        f'<svg class="chart {kind}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(caption)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _bar(x0: float, x1: float, y: float, height: float, fill: str, tip: str, cls: str = "") -> str:
    left, width = min(x0, x1), max(abs(x1 - x0), 0.5)
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<rect{klass} x="{left:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _axis(scale: Scale, values: list[float], top: float, bottom: float) -> list[str]:
    out = []
    for v in values:
        x = scale(v)
        cls = "zero" if abs(v) < 1e-9 else "grid"
        out.append(f'<line class="{cls}" x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}"/>')
        out.append(_text(x, top - 4, fmt(v), "middle", "tick"))
    return out


def unit_bars(rows: Sequence[tuple[str, str | None, float]], caption: str) -> Markup:
    """Horizontal bars, one per (label, link, value) row in the order given: the label links to `link`,
    the bar runs from zero (gains in the strong colour, losses in red) and its value sits beside it."""
    label_width, row_height, top = 170.0, 18.0, 24.0
    values = [v for _, _, v in rows]
    marks = ticks(min(values, default=0), max(values, default=0))
    scale = Scale(marks[0], marks[-1], label_width, WIDTH - 60)
    height = top + row_height * len(rows) + 8
    body = _axis(scale, marks, top, height - 4)
    for n, (label, link, v) in enumerate(rows):
        y = top + n * row_height
        if n % 2:
            body.append(f'<rect class="band" x="0" y="{y:.1f}" width="{WIDTH}" height="{row_height:.1f}"/>')
        name = _text(label_width - 8, y + 13, label, "end", "label")
        body.append(f'<a href="{escape(link)}">{name}</a>' if link else name)
        fill = HIGHLIGHT if v >= 0 else NEGATIVE
        body.append(_bar(scale(0), scale(v), y + 3, 12, fill, f"{label}: {fmt(v)}", "unit-bar"))
        x = scale(v) + (6 if v >= 0 else -6)
        body.append(_text(x, y + 13, fmt(v), "start" if v >= 0 else "end", "value"))
    return _svg(WIDTH, height, caption, body, "units")


def column_bars(
    labels: Sequence[str], values: Sequence[float], highlighted: set[str], caption: str
) -> Markup:
    """Vertical bars, one per label, its value above it; highlighted labels in the strong colour."""
    width, height, left, top, bottom = 760.0, 260.0, 48.0, 24.0, 36.0
    marks = ticks(min(values, default=0), max(values, default=0), 5)
    scale = Scale(marks[0], marks[-1], height - bottom, top)
    slot = (width - left - 8) / max(len(labels), 1)
    body = []
    for v in marks:
        y = scale(v)
        cls = "zero" if abs(v) < 1e-9 else "grid"
        body.append(f'<line class="{cls}" x1="{left:.1f}" y1="{y:.1f}" x2="{width - 8:.1f}" y2="{y:.1f}"/>')
        body.append(_text(left - 6, y + 4, fmt(v), "end", "tick"))
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + slot * 0.18
        bar_width = slot * 0.64
        y0, y1 = scale(0), scale(v)
        fill = HIGHLIGHT if label in highlighted else MUTED
        body.append(
            f'<rect x="{x:.1f}" y="{min(y0, y1):.1f}" width="{bar_width:.1f}" '
            f'height="{max(abs(y1 - y0), 0.5):.1f}" fill="{fill}"><title>{escape(label)}: '
            f"{fmt(v)}</title></rect>"
        )
        above = y1 - 5 if v >= 0 else y1 + 14
        body.append(_text(x + bar_width / 2, above, fmt(v), "middle", "value"))
        body.append(_text(x + bar_width / 2, height - bottom + 18, label, "middle", "label"))
    return _svg(width, height, caption, body, "columns")


def diverging_bars(rows: Sequence[tuple[str, float]], caption: str) -> Markup:
    """Horizontal bars either side of zero: gains in green, losses in red, each with its value."""
    label_width, row_height, top = 150.0, 20.0, 24.0
    marks = ticks(min((v for _, v in rows), default=0), max((v for _, v in rows), default=0))
    scale = Scale(marks[0], marks[-1], label_width, WIDTH - 60)
    height = top + row_height * len(rows) + 8
    body = _axis(scale, marks, top, height - 4)
    for n, (label, v) in enumerate(rows):
        y = top + n * row_height
        body.append(_text(label_width - 8, y + 14, label, "end", "label"))
        shown = f"+{fmt(v)}" if v > 0 else fmt(v)
        body.append(_bar(scale(0), scale(v), y + 4, 12, POSITIVE if v > 0 else NEGATIVE, f"{label}: {shown}"))
        x = scale(v) + (6 if v >= 0 else -6)
        body.append(_text(x, y + 14, shown, "start" if v >= 0 else "end", "value"))
    return _svg(WIDTH, height, caption, body)


def timeline(
    year: int, acts: Sequence[tuple[dt.date, str, str, str]], lanes: Sequence[tuple[str, str]], caption: str
) -> Markup:
    """A year's acts as ticks on lanes, one lane per act type; each tick links to the act on the page.

    `acts` holds (occurred_on, type, link, tooltip); `lanes` holds (type, lane label)."""
    label_width, lane_height, top = 150.0, 22.0, 22.0
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    scale = Scale(0, (end - start).days + 1, label_width, WIDTH - 10)
    height = top + lane_height * len(lanes) + 6
    body = []
    for month in range(1, 13):
        x = scale((dt.date(year, month, 1) - start).days)
        body.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 16:.1f}" x2="{x:.1f}" y2="{height:.1f}"/>')
        body.append(_text(x + 4, top - 6, f"{month}月", "start", "tick"))
    lane_of = {kind: n for n, (kind, _) in enumerate(lanes)}
    for n, (_, label) in enumerate(lanes):
        y = top + n * lane_height
        if n % 2:
            body.append(f'<rect class="band" x="0" y="{y:.1f}" width="{WIDTH}" height="{lane_height}"/>')
        body.append(_text(label_width - 8, y + 15, label, "end", "label"))
    for day, kind, link, tip in acts:
        if kind not in lane_of or not start <= day <= end:
            continue
        x = scale((day - start).days + 0.5)
        y = top + lane_of[kind] * lane_height + 4
        fill = ACT_COLOURS.get(kind, PALETTE[lane_of[kind] % 12])
        body.append(
            f'<a href="{escape(link)}"><rect x="{x - 1:.1f}" y="{y:.1f}" width="2.4" height="14" '
            f'fill="{fill}"><title>{escape(tip)}</title></rect></a>'
        )
    return _svg(WIDTH, height, caption, body)
