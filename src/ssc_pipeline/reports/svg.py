"""Hand-rolled inline SVG charts for the director reports.

Why not matplotlib or a JavaScript library: a report must be one
self-contained HTML file that opens years later on a locked-down council
laptop and prints the same, so charts are plain SVG markup written here.
That also makes them testable: every bar and point carries its series, its
x label and its raw value (``data-series``, ``data-x``, ``data-value``), and
its geometry is a pure function of those values.

The charts are deliberately simple: one value axis starting at zero (or
below, for negative savings), categories along the x axis, bars (grouped or
stacked) and lines drawn over them. Lines get a marker and, where asked, a
dash pattern, so that a black-and-white print still tells them apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Literal

from ssc_pipeline.reports.formatting import format_number

Value = Decimal | int | None
Formatter = Callable[[Decimal], str]

# Colour-blind-safe palette (Okabe-Ito), dark enough to survive a greyscale print.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
FONT = "font-family:Helvetica,Arial,sans-serif"


@dataclass(frozen=True)
class Series:
    """One named row of values, one per x label; ``None`` leaves a gap."""

    name: str
    values: Sequence[Value]
    colour: str = PALETTE[0]
    kind: Literal["line", "bar"] = "line"
    dashed: bool = False


@dataclass(frozen=True)
class Frame:
    """Where the plot area sits inside the SVG; all geometry is derived from it."""

    width: int = 640
    height: int = 260
    left: int = 64
    right: int = 12
    top: int = 12
    bottom: int = 34

    @property
    def plot_width(self) -> float:
        return float(self.width - self.left - self.right)

    @property
    def plot_height(self) -> float:
        return float(self.height - self.top - self.bottom)


def nice_step(span: Decimal, count: int = 5) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks."""
    if span <= 0:
        return Decimal(1)
    raw = span / count
    power = Decimal(10) ** math.floor(math.log10(float(raw)))
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop ends at 10 * power >= raw


def nice_ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Ticks from a multiple of the step at or below ``low`` to one at or above ``high``."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    step = nice_step(high - low, count)
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    tick = start
    while tick <= end:
        ticks.append(tick.normalize() if tick != 0 else Decimal(0))
        tick += step
    return ticks


def value_range(
    series: Sequence[Series], stacked: bool, fixed: tuple[Decimal, Decimal] | None, zero_based: bool = True
) -> tuple[Decimal, Decimal]:
    """The data's extent, including zero for bars (a bar's length is its value).

    Lines may leave zero out (``zero_based=False``): attainment between 88 %
    and 100 % would otherwise be a flat line at the top of the chart.
    """
    values = [Decimal(v) for s in series for v in s.values if v is not None]
    if stacked:
        bars = [s for s in series if s.kind == "bar"]
        width = max((len(s.values) for s in bars), default=0)
        values += [Decimal(sum((s.values[i] or 0) for s in bars if i < len(s.values))) for i in range(width)]
    if fixed is not None:
        values += [fixed[1]] if not zero_based else list(fixed)
    if zero_based or any(s.kind == "bar" for s in series) or not values:
        values.append(Decimal(0))
    low, high = min(values), max(values)
    if not zero_based and high > 0:
        low = min(low, high * Decimal("0.8"))  # a fifth of the scale at least: no magnified wobble
    return low, high


class _Plot:
    """Maps x indexes and values onto the frame."""

    def __init__(self, frame: Frame, count: int, ticks: list[Decimal]) -> None:
        self.frame = frame
        self.count = max(count, 1)
        self.low, self.high = ticks[0], ticks[-1]

    @property
    def band(self) -> float:
        return self.frame.plot_width / self.count

    def x_centre(self, index: int) -> float:
        return self.frame.left + self.band * (index + 0.5)

    def y(self, value: Decimal | int) -> float:
        share = float((Decimal(value) - self.low) / (self.high - self.low))
        return self.frame.top + self.frame.plot_height * (1.0 - share)


def _n(value: float) -> str:
    """Coordinates with two decimals: stable markup, small files."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _axes(plot: _Plot, ticks: list[Decimal], x_labels: Sequence[str], y_format: Formatter) -> list[str]:
    f = plot.frame
    parts = []
    for tick in ticks:
        y = _n(plot.y(tick))
        parts.append(
            f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{y}" y2="{y}" '
            f'stroke="#{"888" if tick in (0, ticks[0]) else "ddd"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{f.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="10" class="tick">{escape(y_format(tick))}</text>'
        )
    widest = max((len(label) for label in x_labels), default=1) * 6 + 8  # ~6 px per character at 10 px
    every = max(1, math.ceil(widest / plot.band))  # skip labels rather than overlap them
    for index, label in enumerate(x_labels):
        if (len(x_labels) - 1 - index) % every:  # counted from the end: the report month is labelled
            continue
        parts.append(
            f'<text x="{_n(plot.x_centre(index))}" y="{f.height - f.bottom + 14}" '
            f'text-anchor="middle" font-size="10" class="xlabel">{escape(label)}</text>'
        )
    return parts


def _bars(
    plot: _Plot, bars: Sequence[Series], x_labels: Sequence[str], stacked: bool, y_format: Formatter
) -> list[str]:
    parts: list[str] = []
    if not bars:
        return parts
    inner = plot.band * 0.7
    width = inner if stacked else inner / len(bars)
    for index, label in enumerate(x_labels):
        base = Decimal(0)
        for position, series in enumerate(bars):
            value = series.values[index] if index < len(series.values) else None
            if value is None:
                continue
            start, end = (base, base + value) if stacked else (Decimal(0), Decimal(value))
            if stacked:
                base += value
            x = plot.x_centre(index) - inner / 2 + (0 if stacked else position * width)
            top, bottom = sorted((plot.y(start), plot.y(end)))
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(top)}" width="{_n(width)}" height="{_n(bottom - top)}" '
                f'fill="{series.colour}" data-series="{escape(series.name)}" data-x="{escape(label)}" '
                f'data-value="{value}"><title>{escape(f"{series.name} {label}: {y_format(Decimal(value))}")}'
                f"</title></rect>"
            )
    return parts


def _lines(plot: _Plot, lines: Sequence[Series], x_labels: Sequence[str], y_format: Formatter) -> list[str]:
    parts = []
    for series in lines:
        path: list[str] = []
        pen_down = False
        points = []
        for index, label in enumerate(x_labels):
            value = series.values[index] if index < len(series.values) else None
            if value is None:
                pen_down = False  # a gap: nothing to count that month
                continue
            x, y = _n(plot.x_centre(index)), _n(plot.y(value))
            path.append(f"{'L' if pen_down else 'M'}{x} {y}")
            pen_down = True
            if not series.dashed:
                points.append(
                    f'<circle cx="{x}" cy="{y}" r="2.5" fill="{series.colour}" '
                    f'data-series="{escape(series.name)}" data-x="{escape(label)}" data-value="{value}">'
                    f"<title>{escape(f'{series.name} {label}: {y_format(Decimal(value))}')}</title></circle>"
                )
        if path:
            dash = ' stroke-dasharray="6 4"' if series.dashed else ""
            parts.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{series.colour}" '
                f'stroke-width="{1.5 if series.dashed else 2}"{dash} '
                f'data-series="{escape(series.name)}"/>'
            )
        parts.extend(points)
    return parts


def _legend(series: Sequence[Series], frame: Frame) -> tuple[list[str], int]:
    """Legend rows under the plot; returns the markup and the height it needs."""
    parts = []
    x, row = frame.left, 0
    for item in series:
        width = 28 + 6 * len(item.name)
        if x + width > frame.width and x > frame.left:
            x, row = frame.left, row + 1
        y = frame.height + 6 + row * 16
        if item.kind == "bar":
            parts.append(f'<rect x="{x}" y="{y}" width="12" height="10" fill="{item.colour}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if item.dashed else ""
            parts.append(
                f'<line x1="{x}" x2="{x + 16}" y1="{y + 5}" y2="{y + 5}" '
                f'stroke="{item.colour}" stroke-width="2"{dash}/>'
            )
        parts.append(f'<text x="{x + 20}" y="{y + 9}" font-size="10">{escape(item.name)}</text>')
        x += width
    return parts, (row + 1) * 16 + 8 if series else 0


def chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_format: Formatter = lambda v: format_number(v, 0),
    stacked: bool = False,
    fixed_range: tuple[Decimal, Decimal] | None = None,
    frame: Frame | None = None,
    zero_based: bool = True,
    empty_text: str = "geen gegevens / no data",
) -> str:
    """One SVG: bars (grouped, or ``stacked``) under lines, a value axis, a legend.

    ``fixed_range`` widens the axis to at least that range (0–100 for
    percentages), so months and organisations are drawn on the same scale;
    with ``zero_based=False`` only its upper end is kept and the axis starts
    just below the lowest value.
    """
    frame = frame or Frame()
    bars = [s for s in series if s.kind == "bar"]
    lines = [s for s in series if s.kind == "line"]
    has_data = any(v is not None for s in series for v in s.values)
    low, high = value_range(series, stacked, fixed_range, zero_based)
    ticks = nice_ticks(low, high)
    plot = _Plot(frame, len(x_labels), ticks)
    legend, legend_height = _legend(series, frame)
    height = frame.height + legend_height
    body = _axes(plot, ticks, x_labels, y_format)
    if has_data:
        body += _bars(plot, bars, x_labels, stacked, y_format) + _lines(plot, lines, x_labels, y_format)
    else:
        body.append(
            f'<text x="{_n(frame.left + frame.plot_width / 2)}" y="{_n(frame.top + frame.plot_height / 2)}" '
            f'text-anchor="middle" font-size="12" fill="#666">{escape(empty_text)}</text>'
        )
    return (
        f'<svg viewBox="0 0 {frame.width} {height}" '
        f'width="100%" role="img" class="chart" style="{FONT}"><title>{escape(title)}</title>'
        + "".join(body + legend)
        + "</svg>"
    )


def line_chart(x_labels: Sequence[str], series: Sequence[Series], **kwargs: object) -> str:
    """Lines only (attainment and satisfaction trends)."""
    return chart(x_labels, [Series(s.name, s.values, s.colour, "line", s.dashed) for s in series], **kwargs)  # type: ignore[arg-type]


def bar_chart(x_labels: Sequence[str], series: Sequence[Series], *, stacked: bool = False, **kwargs: object) -> str:
    """Bars only (breaches by service)."""
    return chart(x_labels, [Series(s.name, s.values, s.colour, "bar") for s in series], stacked=stacked, **kwargs)  # type: ignore[arg-type]
