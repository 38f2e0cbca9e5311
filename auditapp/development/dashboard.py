"""The dashboard of one journey over a period: how the path does, where it hurts.

Every figure is aggregated in SQL over the handed-in audits of the period (submitted
or approved, by audit date); Python only arranges the aggregated rows, one per
touchpoint or month, into plain dataclasses. The page, and the PDF journey map, get
those dataclasses and never an ORM object. The statement count does not depend on
how many audits, answers or findings there are.

Touchpoints follow the journey as it is now. A touchpoint that was audited but has
since been removed from the journey is still counted, under the stage it was in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, distinct, extract, func, select

from auditapp.audits.models import Answer, Audit, TouchpointVisit
from auditapp.audits.scoring import WEIGHTS
from auditapp.core.charts import (
    MAX_BAR_ROWS,
    MAX_LINE_POINTS,
    BarChart,
    LineChart,
    bar_chart,
    line_chart,
)
from auditapp.core.i18n import month_format, share_format, signed_format
from auditapp.development import queries
from auditapp.development.models import CLOSED_STATUSES, DevelopmentItem, ItemStatus
from auditapp.development.services import COUNTED
from auditapp.extensions import db
from auditapp.journeys.models import Channel, Journey, Stage, Touchpoint

TOP_ITEMS = 10
#: Items per stage on the journey map
STAGE_ITEMS = 3


@dataclass(frozen=True)
class TouchpointStats:
    """What the period's audits found at one touchpoint."""

    touchpoint_id: int | None
    name: str
    stage_name: str
    channel: Channel
    #: Points earned / answers that count (scoring rules: partly is half)
    points: float = 0.0
    counted: int = 0
    emotion_sum: float = 0.0
    emotion_count: int = 0
    target_seconds: int | None = None
    response_sum: float = 0.0
    response_count: int = 0
    within_target: int = 0
    #: False when the touchpoint is no longer in the journey
    current: bool = True

    @property
    def share(self) -> float | None:
        """Return the share of expectations met (0…1), or None if none counted."""
        return self.points / self.counted if self.counted else None

    @property
    def emotion(self) -> float | None:
        """Return the average auditor-perceived emotion (−2…+2), or None."""
        return self.emotion_sum / self.emotion_count if self.emotion_count else None

    @property
    def response_average(self) -> float | None:
        """Return the average measured response time in seconds, or None."""
        return self.response_sum / self.response_count if self.response_count else None

    @property
    def audited(self) -> bool:
        """Return whether any audit of the period rated an expectation here."""
        return self.counted > 0


@dataclass(frozen=True)
class StageStats:
    """A stage of the journey with its touchpoints' figures."""

    name: str
    touchpoints: list[TouchpointStats]

    @property
    def points(self) -> float:
        """Return the stage's points over all its touchpoints."""
        return sum(t.points for t in self.touchpoints)

    @property
    def counted(self) -> int:
        """Return how many answers count in the stage."""
        return sum(t.counted for t in self.touchpoints)

    @property
    def share(self) -> float | None:
        """Return the stage's share of expectations met, or None."""
        return self.points / self.counted if self.counted else None

    @property
    def emotion(self) -> float | None:
        """Return the average emotion over every visit of the stage, or None."""
        count = sum(t.emotion_count for t in self.touchpoints)
        return sum(t.emotion_sum for t in self.touchpoints) / count if count else None


@dataclass(frozen=True)
class TrendPoint:
    """The overall score of the audits of one calendar month."""

    month: date
    points: float
    counted: int
    audits: int

    @property
    def share(self) -> float | None:
        """Return the month's share of expectations met, or None."""
        return self.points / self.counted if self.counted else None


@dataclass(frozen=True)
class CoverageCell:
    """Touchpoints of one stage in one channel: how many exist, how many audited."""

    existing: int
    audited: int


@dataclass(frozen=True)
class Coverage:
    """The stage × channel matrix of the journey as it is now."""

    stages: list[str]
    channels: list[Channel]
    cells: dict[tuple[str, Channel], CoverageCell]

    def cell(self, stage: str, channel: Channel) -> CoverageCell | None:
        """Return the cell, or None where the journey has no such touchpoint."""
        return self.cells.get((stage, channel))


@dataclass(frozen=True)
class TopItem:
    """A development item of the journey among the highest priorities."""

    rank: int
    item_id: int
    title: str
    priority: float
    severity: int
    audits_seen: int
    status_label: str
    pinned: bool


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard and the journey map show, as plain values."""

    journey_id: int
    journey_name: str
    start: date
    end: date
    audits: int
    stages: list[StageStats]
    trend: list[TrendPoint]
    coverage: Coverage
    top_items: list[TopItem] = field(default_factory=list)
    #: Stage name → the highest-priority open items there (for the journey map)
    stage_items: dict[str, list[TopItem]] = field(default_factory=dict)

    @property
    def touchpoints(self) -> list[TouchpointStats]:
        """Return every touchpoint in journey order."""
        return [t for stage in self.stages for t in stage.touchpoints]

    @property
    def points(self) -> float:
        """Return the points of every answer of the period."""
        return sum(stage.points for stage in self.stages)

    @property
    def counted(self) -> int:
        """Return how many answers of the period count."""
        return sum(stage.counted for stage in self.stages)

    @property
    def share(self) -> float | None:
        """Return the overall share of expectations met, or None."""
        return self.points / self.counted if self.counted else None

    @property
    def timed(self) -> list[TouchpointStats]:
        """Return the touchpoints that have a target response time."""
        return [t for t in self.touchpoints if t.target_seconds]


def _period_audits(org_id: int, journey_id: int, start: date, end: date) -> list:
    return [
        Audit.org_id == org_id,
        Audit.journey_id == journey_id,
        Audit.status.in_(COUNTED),
        Audit.audit_date >= start,
        Audit.audit_date <= end,
    ]


def _points():
    """An answer's points under the scoring rules (audits/scoring.WEIGHTS), in SQL."""
    return case(
        *[(Answer.rating == rating, value) for rating, value in WEIGHTS.items()],
        else_=0.0,
    )


def _counted():
    """1 for an answer that counts in a score (rated, not N/A), else 0, in SQL."""
    return case((Answer.rating.in_(list(WEIGHTS)), 1), else_=0)


def _answer_totals(org_id: int, where: list) -> dict[int | None, tuple[float, int]]:
    """Return {touchpoint id: (points, counted answers)} in one statement."""
    rows = db.session.execute(
        select(TouchpointVisit.touchpoint_id, func.sum(_points()), func.sum(_counted()))
        .join(TouchpointVisit, TouchpointVisit.id == Answer.visit_id)
        .join(Audit, Audit.id == TouchpointVisit.audit_id)
        .where(Answer.org_id == org_id, *where)
        .group_by(TouchpointVisit.touchpoint_id)
    ).all()
    return {row[0]: (float(row[1] or 0), int(row[2] or 0)) for row in rows}


def _visit_totals(org_id: int, where: list) -> list:
    """Return one row per touchpoint: names, emotion and response-time sums."""
    visit = TouchpointVisit
    in_target = case(
        (visit.response_seconds <= visit.target_response_seconds, 1), else_=0
    )
    return db.session.execute(
        select(
            visit.touchpoint_id,
            func.max(visit.name),
            func.max(visit.stage_name),
            func.min(visit.stage_position),
            func.min(visit.position),
            func.max(visit.channel),
            func.sum(visit.emotion),
            func.count(visit.emotion),
            func.max(visit.target_response_seconds),
            func.sum(visit.response_seconds),
            func.count(visit.response_seconds),
            func.sum(in_target),
        )
        .join(Audit, Audit.id == visit.audit_id)
        .where(visit.org_id == org_id, *where)
        .group_by(visit.touchpoint_id)
        .order_by(func.min(visit.stage_position), func.min(visit.position))
    ).all()


def _trend(org_id: int, where: list) -> list[TrendPoint]:
    """Return the overall score per calendar month, oldest first, in one statement."""
    year = extract("year", Audit.audit_date)
    month = extract("month", Audit.audit_date)
    rows = db.session.execute(
        select(
            year,
            month,
            func.sum(_points()),
            func.sum(_counted()),
            func.count(distinct(Audit.id)),
        )
        .select_from(Audit)
        .outerjoin(TouchpointVisit, TouchpointVisit.audit_id == Audit.id)
        .outerjoin(Answer, Answer.visit_id == TouchpointVisit.id)
        .where(*where)
        .group_by(year, month)
        .order_by(year, month)
    ).all()
    return [
        TrendPoint(
            month=date(int(y), int(m), 1),
            points=float(points or 0),
            counted=int(counted or 0),
            audits=int(audits),
        )
        for y, m, points, counted, audits in rows
    ]


def _top_items(org_id: int, journey_id: int) -> list[TopItem]:
    _total, rows = queries.list_page(
        org_id,
        queries.ListFilters(journey_id=journey_id),
        limit=TOP_ITEMS,
        with_details=False,
    )
    return [_top_item(row.rank, row.item) for row in rows]


def _top_items_per_stage(
    org_id: int, journey_id: int, per_stage: int
) -> dict[str, list[TopItem]]:
    """Return each stage's highest-priority open items, ranked in SQL (a window)."""
    item = DevelopmentItem
    place = (
        func.row_number()
        .over(
            partition_by=item.stage_name,
            order_by=(item.priority_score.desc(), item.severity.desc(), item.id),
        )
        .label("place")
    )
    ranked = (
        select(
            item.id,
            item.title,
            item.priority_score,
            item.severity,
            item.audits_seen,
            item.status,
            item.rank_override,
            item.stage_name,
            place,
        )
        .where(
            item.org_id == org_id,
            item.journey_id == journey_id,
            item.status.not_in(CLOSED_STATUSES),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(ranked)
        .where(ranked.c.place <= per_stage)
        .order_by(ranked.c.stage_name, ranked.c.place)
    ).all()
    result: dict[str, list[TopItem]] = defaultdict(list)
    for row in rows:
        result[row.stage_name].append(
            TopItem(
                rank=row.place,
                item_id=row.id,
                title=row.title,
                priority=row.priority_score,
                severity=row.severity,
                audits_seen=row.audits_seen,
                status_label=str(ItemStatus(row.status).label),
                pinned=row.rank_override is not None,
            )
        )
    return dict(result)


def _top_item(rank: int, item: DevelopmentItem) -> TopItem:
    return TopItem(
        rank=rank,
        item_id=item.id,
        title=item.title,
        priority=item.priority_score,
        severity=item.severity,
        audits_seen=item.audits_seen,
        status_label=str(item.status.label),
        pinned=item.rank_override is not None,
    )


def _stages(structure: list, answers: dict, visits: dict) -> list[StageStats]:
    """Put the touchpoint figures under the journey's stages, in journey order."""

    def stats(touchpoint_id, name, stage, channel, *, current) -> TouchpointStats:
        points, counted = answers.get(touchpoint_id, (0.0, 0))
        row = visits.get(touchpoint_id)
        if row is None:
            return TouchpointStats(touchpoint_id, name, stage, channel, current=current)
        return TouchpointStats(
            touchpoint_id=touchpoint_id,
            name=name,
            stage_name=stage,
            channel=channel,
            points=points,
            counted=counted,
            emotion_sum=float(row[6] or 0),
            emotion_count=int(row[7]),
            target_seconds=row[8],
            response_sum=float(row[9] or 0),
            response_count=int(row[10]),
            within_target=int(row[11] or 0),
            current=current,
        )

    # Stages are keyed by id: two stages may share a name.
    stage_names: dict[object, str] = {}
    by_stage: dict[object, list[TouchpointStats]] = defaultdict(list)
    for stage_id, stage, tp_id, name, channel in structure:
        stage_names.setdefault(stage_id, stage)
        if tp_id is not None:
            by_stage[stage_id].append(stats(tp_id, name, stage, channel, current=True))
    known = {row[2] for row in structure if row[2] is not None}
    for tp_id, row in visits.items():
        if tp_id in known:
            continue
        # Audited, then removed from the journey: counted under its old stage.
        key = next(
            (k for k, name in stage_names.items() if name == row[2]), ("gone", row[2])
        )
        stage_names.setdefault(key, row[2])
        by_stage[key].append(
            stats(tp_id, row[1], row[2], Channel(row[5]), current=False)
        )

    return [StageStats(name, by_stage[key]) for key, name in stage_names.items()]


def _coverage(stages: list[StageStats]) -> Coverage:
    """Count, per stage and channel, the touchpoints that exist and were audited."""
    cells: dict[tuple[str, Channel], list[int]] = defaultdict(lambda: [0, 0])
    for stage in stages:
        for tp in stage.touchpoints:
            if tp.current:
                cell = cells[(stage.name, tp.channel)]
                cell[0] += 1
                cell[1] += tp.audited
    return Coverage(
        stages=list(
            dict.fromkeys(
                s.name for s in stages if any(t.current for t in s.touchpoints)
            )
        ),
        channels=[c for c in Channel if any(key[1] is c for key in cells)],
        cells={key: CoverageCell(*value) for key, value in cells.items()},
    )


def build_dashboard(
    org_id: int, journey_id: int, start: date, end: date
) -> Dashboard | None:
    """Return the dashboard of the organisation's journey, or None if there is none."""
    journey = db.session.execute(
        select(Journey.id, Journey.name).where(
            Journey.id == journey_id, Journey.org_id == org_id
        )
    ).first()
    if journey is None:
        return None
    structure = db.session.execute(
        select(Stage.id, Stage.name, Touchpoint.id, Touchpoint.name, Touchpoint.channel)
        .outerjoin(Touchpoint, Touchpoint.stage_id == Stage.id)
        .where(Stage.journey_id == journey_id, Stage.org_id == org_id)
        .order_by(Stage.position, Touchpoint.position)
    ).all()
    where = _period_audits(org_id, journey_id, start, end)
    answers = _answer_totals(org_id, where)
    visits = {row[0]: row for row in _visit_totals(org_id, where)}

    stages = _stages(structure, answers, visits)
    trend = _trend(org_id, where)
    return Dashboard(
        journey_id=journey.id,
        journey_name=journey.name,
        start=start,
        end=end,
        audits=sum(point.audits for point in trend),
        stages=stages,
        trend=trend,
        coverage=_coverage(stages),
        top_items=_top_items(org_id, journey_id),
        stage_items=_top_items_per_stage(org_id, journey_id, STAGE_ITEMS),
    )


@dataclass(frozen=True)
class DashboardCharts:
    """The dashboard's charts, laid out; None where a chart would be too big."""

    stage_share: BarChart
    touchpoint_share: dict[str, BarChart | None]
    emotion: LineChart | None
    trend: LineChart
    response: BarChart | None


def _months(start: date, end: date) -> list[date]:
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _bars_or_none(rows: list, **kwargs) -> BarChart | None:
    return bar_chart(rows, **kwargs) if len(rows) <= MAX_BAR_ROWS else None


def build_charts(board: Dashboard) -> DashboardCharts:
    """Lay out the dashboard's charts (labels in the current language)."""
    touchpoints = board.touchpoints
    emotion_rows = [(t.name, t.emotion, signed_format(t.emotion)) for t in touchpoints]
    if len(emotion_rows) > MAX_LINE_POINTS:  # a very long journey: stage averages
        emotion_rows = [
            (s.name, s.emotion, signed_format(s.emotion)) for s in board.stages
        ]
    by_month = {point.month: point for point in board.trend}
    trend_rows = []
    for month in _months(board.start, board.end):
        point = by_month.get(month)
        share = point.share if point else None
        trend_rows.append(
            (
                month_format(month),
                None if share is None else share * 100,
                share_format(share),
            )
        )
    timed = [t for t in board.timed if t.response_average is not None]
    return DashboardCharts(
        stage_share=bar_chart(
            [(s.name, s.share, share_format(s.share)) for s in board.stages][
                :MAX_BAR_ROWS
            ]
        ),
        touchpoint_share={
            s.name: _bars_or_none(
                [(t.name, t.share, share_format(t.share)) for t in s.touchpoints]
            )
            for s in board.stages
        },
        emotion=line_chart(emotion_rows, low=-2, high=2, reference=0)
        if emotion_rows and len(emotion_rows) <= MAX_LINE_POINTS
        else None,
        trend=line_chart(trend_rows[-MAX_LINE_POINTS:], low=0, high=100),
        response=_bars_or_none(
            [
                (
                    t.name,
                    t.response_average / t.target_seconds,
                    share_format(t.response_average / t.target_seconds),
                )
                for t in timed
            ],
            scale_max=2.0,
            marker=1.0,
        ),
    )
