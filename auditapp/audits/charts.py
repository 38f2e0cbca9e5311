"""The emotion curve across a journey, as plain numbers for an inline SVG.

Drawn on the server so that it works without JavaScript and inside PDF reports; a
handful of elements per touchpoint keeps it far below the 300-element budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 340, 120, 14


@dataclass(frozen=True)
class CurvePoint:
    """One touchpoint on the curve."""

    x: float
    y: float
    emotion: int
    name: str


@dataclass(frozen=True)
class Curve:
    """Geometry of the curve; `points` holds only touchpoints that have an emotion."""

    width: int
    height: int
    points: list[CurvePoint]
    zero_y: float

    @property
    def polyline(self) -> str:
        """Return the SVG points attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def emotion_curve(visits: Sequence) -> Curve:
    """Place each visit's emotion (−2…+2) along the journey, left to right."""
    step = (WIDTH - 2 * PAD) / max(len(visits) - 1, 1)

    def y(value: float) -> float:
        return PAD + (2 - value) / 4 * (HEIGHT - 2 * PAD)

    points = [
        CurvePoint(PAD + i * step, y(v.emotion), v.emotion, v.name)
        for i, v in enumerate(visits)
        if v.emotion is not None
    ]
    return Curve(WIDTH, HEIGHT, points, y(0))
