"""Read-side queries for audit pages: constant query counts, aggregates in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from auditapp.audits.models import (
    Answer,
    Audit,
    AuditEvent,
    AuditStatus,
    TouchpointVisit,
)
from auditapp.auth.models import User
from auditapp.extensions import db


@dataclass(frozen=True)
class AuditRow:
    """One line of an audit list: the audit, who walks it, and its progress."""

    audit: Audit
    auditor_name: str
    answered: int
    total: int

    @property
    def percent(self) -> int:
        """Return the share of expectations answered, 0–100."""
        return round(100 * self.answered / self.total) if self.total else 0


def audit_rows(
    org_id: int,
    *,
    auditor_id: int | None = None,
    statuses: tuple[AuditStatus, ...] | None = None,
    limit: int = 200,
) -> list[AuditRow]:
    """Return audits with progress in one query, newest first."""
    progress = (
        select(
            TouchpointVisit.audit_id,
            func.count(Answer.id).label("total"),
            func.sum(case((Answer.rating.is_not(None), 1), else_=0)).label("answered"),
        )
        .join(Answer, Answer.visit_id == TouchpointVisit.id)
        .where(TouchpointVisit.org_id == org_id)
        .group_by(TouchpointVisit.audit_id)
        .subquery()
    )
    stmt = (
        select(Audit, User.name, progress.c.answered, progress.c.total)
        .outerjoin(User, User.id == Audit.auditor_id)
        .outerjoin(progress, progress.c.audit_id == Audit.id)
        .where(Audit.org_id == org_id)
        .order_by(Audit.audit_date.desc(), Audit.id.desc())
        .limit(limit)
    )
    if auditor_id is not None:
        stmt = stmt.where(Audit.auditor_id == auditor_id)
    if statuses:
        stmt = stmt.where(Audit.status.in_(statuses))
    return [
        AuditRow(audit, name or "", int(answered or 0), int(total or 0))
        for audit, name, answered, total in db.session.execute(stmt)
    ]


def audit_events(audit: Audit) -> list[tuple[AuditEvent, str]]:
    """Return the audit's status log with the names of who acted, oldest first."""
    return list(
        db.session.execute(
            select(AuditEvent, User.name)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .where(AuditEvent.audit_id == audit.id, AuditEvent.org_id == audit.org_id)
            .order_by(AuditEvent.id)
        ).all()
    )


def progress(audit: Audit) -> tuple[int, int]:
    """Return (answered, total) expectations of an audit in one query."""
    answered, total = db.session.execute(
        select(
            func.sum(case((Answer.rating.is_not(None), 1), else_=0)),
            func.count(Answer.id),
        )
        .join(TouchpointVisit, TouchpointVisit.id == Answer.visit_id)
        .where(TouchpointVisit.audit_id == audit.id, Answer.org_id == audit.org_id)
    ).one()
    return int(answered or 0), int(total or 0)


def visit_index(audit_id: int, org_id: int) -> list[tuple[int, str]]:
    """Return (id, name) of an audit's touchpoint visits in walking order."""
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(TouchpointVisit.id, TouchpointVisit.name)
            .where(
                TouchpointVisit.audit_id == audit_id,
                TouchpointVisit.org_id == org_id,
            )
            .order_by(TouchpointVisit.position)
        )
    ]


def neighbours(
    index: list[tuple[int, str]], visit_id: int
) -> tuple[int | None, int | None]:
    """Return the previous and next visit ids around visit_id in an index."""
    ids = [i for i, _name in index]
    at = ids.index(visit_id)
    return (ids[at - 1] if at else None, ids[at + 1] if at + 1 < len(ids) else None)
