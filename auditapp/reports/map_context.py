"""Plain data for the journey map: the dashboard's figures laid out as an infographic.

The figures come from development/dashboard.build_dashboard (already plain
dataclasses); this module adds the organisation, the title and the geometry of the
emotion curve that runs through the stage columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from auditapp.auth.models import Organisation
from auditapp.development.dashboard import Dashboard, build_dashboard
from auditapp.extensions import db
from auditapp.reports.fetcher import PhotoFile

#: The curve's drawing box; each stage column gets an equal slice of the width.
CURVE_WIDTH, CURVE_HEIGHT, CURVE_PAD = 1000, 150, 16


@dataclass(frozen=True)
class StagePoint:
    """Where a stage's average emotion sits on the curve."""

    x: float
    y: float
    emotion: float


@dataclass(frozen=True)
class StageCurve:
    """The average emotion per stage, centred over each stage's column."""

    width: int
    height: int
    zero_y: float
    points: list[StagePoint]

    @property
    def polyline(self) -> str:
        """Return the SVG points attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class JourneyMapReport:
    """One journey over one period, ready for an A3 landscape page."""

    org_id: int
    org_name: str
    title: str
    board: Dashboard
    curve: StageCurve
    photos: dict[int, PhotoFile] = field(default_factory=dict, repr=False)


def stage_curve(emotions: list[float | None]) -> StageCurve:
    """Place each stage's emotion (−2…+2) at the centre of its column."""
    slot = CURVE_WIDTH / max(len(emotions), 1)

    def y(value: float) -> float:
        clamped = max(-2.0, min(value, 2.0))
        return round(CURVE_PAD + (2 - clamped) / 4 * (CURVE_HEIGHT - 2 * CURVE_PAD), 1)

    points = [
        StagePoint(round(slot * (i + 0.5), 1), y(value), value)
        for i, value in enumerate(emotions)
        if value is not None
    ]
    return StageCurve(CURVE_WIDTH, CURVE_HEIGHT, y(0), points)


def build_journey_map(
    org_id: int, journey_id: int, start: date, end: date
) -> JourneyMapReport | None:
    """Return the journey map of the organisation's journey, or None if none."""
    board = build_dashboard(org_id, journey_id, start, end)
    if board is None:
        return None
    org_name = db.session.execute(
        select(Organisation.name).where(Organisation.id == org_id)
    ).scalar_one()
    return JourneyMapReport(
        org_id=org_id,
        org_name=org_name,
        title=_("Journey map: %(journey)s", journey=board.journey_name),
        board=board,
        curve=stage_curve([stage.emotion for stage in board.stages]),
    )
