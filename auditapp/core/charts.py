"""Geometry for the small server-side SVG charts (bars and lines).

Pure functions that turn labelled numbers into coordinates; the templates in
`templates/_macros/charts.html` draw them with presentation attributes only (the CSP
forbids inline style), so the same chart works on a page, without JavaScript, and in a
PDF. Each chart stays well under :data:`ELEMENT_BUDGET` SVG elements: a bar chart
costs 4 elements a row and :func:`bar_chart` refuses more rows than fit the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Most SVG elements one chart may have (WeasyPrint cost grows with them).
ELEMENT_BUDGET = 300
WIDTH = 340
BAR_ROW_HEIGHT = 34
BAR_HEIGHT = 12
#: Elements a bar row draws: label, track, bar and value text.
BAR_ROW_ELEMENTS = 4
#: Elements a chart spends besides its rows (title, desc, axis and marker lines).
CHART_OVERHEAD = 6
MAX_BAR_ROWS = (ELEMENT_BUDGET - CHART_OVERHEAD) // BAR_ROW_ELEMENTS


@dataclass(frozen=True)
class Bar:
    """One labelled row of a bar chart; `fraction` is None when there is no value."""

    label: str
    fraction: float | None
    value_text: str
    y: float
    bar_width: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one row per label, with an optional marker (a target)."""

    width: int
    height: int
    track_width: float
    bars: list[Bar]
    marker_x: float | None

    @property
    def bar_height(self) -> int:
        """Return the height of one bar."""
        return BAR_HEIGHT


def bar_chart(
    rows: Sequence[tuple[str, float | None, str]],
    *,
    scale_max: float = 1.0,
    marker: float | None = None,
) -> BarChart:
    """Lay out (label, value, value text) rows as bars from 0 to `scale_max`.

    Values above `scale_max` are drawn full length (their text still tells the
    truth); `marker` draws a vertical line at that value, such as a target.
    """
    if len(rows) > MAX_BAR_ROWS:
        raise ValueError(f"a bar chart holds at most {MAX_BAR_ROWS} rows")
    if scale_max <= 0:
        raise ValueError("scale_max must be positive")
    track = WIDTH - 60.0
    bars = []
    for index, (label, value, text) in enumerate(rows):
        fraction = None if value is None else max(0.0, min(value / scale_max, 1.0))
        bars.append(
            Bar(
                label=label,
                fraction=fraction,
                value_text=text,
                y=index * BAR_ROW_HEIGHT,
                bar_width=0.0 if fraction is None else round(fraction * track, 1),
            )
        )
    marker_x = None
    if marker is not None and 0 <= marker <= scale_max:
        marker_x = round(marker / scale_max * track, 1)
    return BarChart(
        width=WIDTH,
        height=max(len(rows), 1) * BAR_ROW_HEIGHT,
        track_width=track,
        bars=bars,
        marker_x=marker_x,
    )


@dataclass(frozen=True)
class LinePoint:
    """One point of a line chart."""

    x: float
    y: float
    label: str
    value_text: str


@dataclass(frozen=True)
class LineChart:
    """A line through the points that have a value, on a fixed vertical scale."""

    width: int
    height: int
    points: list[LinePoint]
    #: Where the reference line (zero, or a target) sits, if any
    reference_y: float | None
    first_label: str
    last_label: str

    @property
    def polyline(self) -> str:
        """Return the SVG points attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


LINE_HEIGHT, LINE_PAD = 130, 16
#: A line chart draws a circle per point; keep room for the line, labels and axes.
MAX_LINE_POINTS = (ELEMENT_BUDGET - 10) // 2


def line_chart(
    values: Sequence[tuple[str, float | None, str]],
    *,
    low: float,
    high: float,
    reference: float | None = None,
) -> LineChart:
    """Place (label, value, value text) evenly from left to right, `low`…`high` up.

    Entries without a value keep their slot (the line skips them), so the x axis
    stays the journey's or the calendar's order.
    """
    if high <= low:
        raise ValueError("high must be above low")
    if len(values) > MAX_LINE_POINTS:
        raise ValueError(f"a line chart holds at most {MAX_LINE_POINTS} points")
    step = (WIDTH - 2 * LINE_PAD) / max(len(values) - 1, 1)

    def y(value: float) -> float:
        clamped = max(low, min(value, high))
        return round(
            LINE_PAD + (high - clamped) / (high - low) * (LINE_HEIGHT - 2 * LINE_PAD), 1
        )

    points = [
        LinePoint(round(LINE_PAD + index * step, 1), y(value), label, text)
        for index, (label, value, text) in enumerate(values)
        if value is not None
    ]
    return LineChart(
        width=WIDTH,
        height=LINE_HEIGHT,
        points=points,
        reference_y=None if reference is None else y(reference),
        first_label=values[0][0] if values else "",
        last_label=values[-1][0] if values else "",
    )
