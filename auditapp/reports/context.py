"""Plain data for report templates: no ORM object leaves this module.

Each builder runs a fixed number of queries, all scoped by the organisation, and
hands the templates frozen dataclasses (indico's get_safe_template_context), so a
template cannot lazy-load, write, or issue N+1 queries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from auditapp.audits import scoring
from auditapp.audits.charts import Curve, emotion_curve
from auditapp.audits.models import Answer, Audit, TouchpointVisit
from auditapp.auth.models import Organisation, User
from auditapp.core.errors import DomainError
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo, Severity
from auditapp.reports.fetcher import PhotoFile


class ReportTooLarge(DomainError):
    """The report would exceed the configured size; the message says by how much."""

    status = 413


@dataclass(frozen=True)
class PhotoRef:
    """A photo to show, with its caption."""

    id: int
    caption: str
    portrait: bool


@dataclass(frozen=True)
class FrictionBlock:
    """A friction point as printed: text, severity and photos."""

    title: str
    description: str
    severity: int
    severity_label: str
    photos: list[PhotoRef]


@dataclass(frozen=True)
class AnswerLine:
    """One checklist line: the expectation and how it went."""

    text: str
    rating: str  # the Rating value, or "" when unanswered
    rating_label: str


@dataclass(frozen=True)
class VisitBlock:
    """One touchpoint of the audit and everything found there."""

    name: str
    channel: str
    channel_label: str
    customer_need: str
    criticality: int
    happened: str
    emotion: int | None
    response_seconds: int | None
    target_response_seconds: int | None
    score: scoring.Score
    answers: list[AnswerLine]
    friction: list[FrictionBlock]

    @property
    def late(self) -> bool:
        """Return whether the response took longer than its target."""
        return (
            self.response_seconds is not None
            and self.target_response_seconds is not None
            and self.response_seconds > self.target_response_seconds
        )


@dataclass(frozen=True)
class StageBlock:
    """A stage of the journey with its touchpoints and combined score."""

    name: str
    score: scoring.Score
    visits: list[VisitBlock]


@dataclass(frozen=True)
class AuditReport:
    """Everything the audit report prints."""

    org_id: int
    org_name: str
    title: str
    journey_name: str
    journey_version: int
    persona_name: str
    location: str
    auditor_name: str
    audit_date: date
    submitted_at: datetime | None
    approved_at: datetime | None
    status_label: str
    overall: scoring.Score
    stages: list[StageBlock]
    curve: Curve
    severity_counts: list[tuple[str, int, int]]  # (label, severity, count)
    photos: dict[int, PhotoFile] = field(repr=False)

    @property
    def friction_count(self) -> int:
        """Return how many friction points the audit found."""
        return sum(count for _label, _sev, count in self.severity_counts)


def _rows(stmt):
    return db.session.execute(stmt).all()


def check_size(*, photos: int, entries: int) -> None:
    """Raise ReportTooLarge when a report would exceed the configured limits."""
    max_photos = current_app.config["REPORT_MAX_PHOTOS"]
    max_entries = current_app.config["REPORT_MAX_ENTRIES"]
    if photos > max_photos:
        raise ReportTooLarge(
            _(
                "This report would have %(n)d photos; the limit is %(max)d. "
                "Narrow it down and try again.",
                n=photos,
                max=max_photos,
            )
        )
    if entries > max_entries:
        raise ReportTooLarge(
            _(
                "This report would have %(n)d entries; the limit is %(max)d. "
                "Narrow it down and try again.",
                n=entries,
                max=max_entries,
            )
        )


def _friction_blocks(org_id: int, audit_id: int):
    """Return ({visit_id: [FrictionBlock]}, {photo_id: PhotoFile}) in two queries."""
    points = _rows(
        select(FrictionPoint)
        .where(FrictionPoint.audit_id == audit_id, FrictionPoint.org_id == org_id)
        .order_by(FrictionPoint.severity.desc(), FrictionPoint.id)
    )
    photo_rows = _rows(
        select(Photo)
        .join(FrictionPoint, FrictionPoint.id == Photo.friction_point_id)
        .where(FrictionPoint.audit_id == audit_id, Photo.org_id == org_id)
        .order_by(Photo.id)
    )
    by_point: dict[int, list[Photo]] = {}
    files: dict[int, PhotoFile] = {}
    for (photo,) in photo_rows:
        by_point.setdefault(photo.friction_point_id, []).append(photo)
        files[photo.id] = PhotoFile(photo.org_id, photo.key, photo.thumb_key)
    blocks: dict[int, list[FrictionBlock]] = {}
    for (point,) in points:
        photos = by_point.get(point.id, [])
        refs = [
            PhotoRef(
                p.id,
                _(
                    "%(title)s, photo %(n)d/%(total)d",
                    title=point.title,
                    n=i,
                    total=len(photos),
                ),
                p.height > p.width,
            )
            for i, p in enumerate(photos, 1)
        ]
        blocks.setdefault(point.visit_id, []).append(
            FrictionBlock(
                point.title,
                point.description,
                point.severity,
                str(Severity(point.severity).label),
                refs,
            )
        )
    return blocks, files


def _visit_blocks(
    org_id: int, audit_id: int, friction
) -> list[tuple[int, str, VisitBlock]]:
    visits = _rows(
        select(TouchpointVisit)
        .where(TouchpointVisit.audit_id == audit_id, TouchpointVisit.org_id == org_id)
        .order_by(TouchpointVisit.position)
    )
    answers: dict[int, list[Answer]] = {}
    for (answer,) in _rows(
        select(Answer)
        .join(TouchpointVisit, TouchpointVisit.id == Answer.visit_id)
        .where(TouchpointVisit.audit_id == audit_id, Answer.org_id == org_id)
        .order_by(Answer.visit_id, Answer.position)
    ):
        answers.setdefault(answer.visit_id, []).append(answer)
    blocks = []
    for (v,) in visits:
        mine = answers.get(v.id, [])
        lines = [
            AnswerLine(
                a.text,
                a.rating.value if a.rating else "",
                str(a.rating.label) if a.rating else _("No answer"),
            )
            for a in mine
        ]
        block = VisitBlock(
            name=v.name,
            channel=v.channel.value,
            channel_label=str(v.channel.label),
            customer_need=v.customer_need,
            criticality=v.criticality,
            happened=v.happened,
            emotion=v.emotion,
            response_seconds=v.response_seconds,
            target_response_seconds=v.target_response_seconds,
            score=scoring.score(a.rating for a in mine),
            answers=lines,
            friction=friction.get(v.id, []),
        )
        blocks.append((v.stage_position, v.stage_name, block))
    return blocks


def build_audit_report(org_id: int, audit_id: int) -> AuditReport:
    """Return the audit report's data in six queries, all within the organisation."""
    audit, org_name, auditor_name = db.session.execute(
        select(Audit, Organisation.name, User.name)
        .join(Organisation, Organisation.id == Audit.org_id)
        .outerjoin(User, User.id == Audit.auditor_id)
        .where(Audit.id == audit_id, Audit.org_id == org_id)
    ).one()
    friction, files = _friction_blocks(org_id, audit_id)
    check_size(photos=len(files), entries=0)
    visits = _visit_blocks(org_id, audit_id, friction)
    check_size(photos=len(files), entries=sum(len(v.answers) for *_s, v in visits))
    stages: dict[tuple[int, str], list[VisitBlock]] = {}
    for position, name, block in visits:
        stages.setdefault((position, name), []).append(block)
    stage_blocks = [
        StageBlock(name, scoring.total(v.score for v in blocks), blocks)
        for (_pos, name), blocks in stages.items()
    ]
    counts = Counter(f.severity for *_s, v in visits for f in v.friction)
    return AuditReport(
        org_id=org_id,
        org_name=org_name,
        title=_("Audit report: %(journey)s", journey=audit.journey_name),
        journey_name=audit.journey_name,
        journey_version=audit.journey_version,
        persona_name=audit.persona_name,
        location=audit.location,
        auditor_name=auditor_name or "",
        audit_date=audit.audit_date,
        submitted_at=audit.submitted_at,
        approved_at=audit.approved_at,
        status_label=str(audit.status.label),
        overall=scoring.total(s.score for s in stage_blocks),
        stages=stage_blocks,
        curve=emotion_curve([v for *_s, v in visits]),
        severity_counts=[
            (str(sev.label), int(sev), counts.get(int(sev), 0))
            for sev in sorted(Severity, reverse=True)
        ],
        photos=files,
    )
