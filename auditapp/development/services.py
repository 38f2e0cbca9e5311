"""Turn friction points into development items and move items through their workflow.

Services flush; views commit. Priority facts are aggregated in SQL from the linked
friction points and stored on the item, so the list sorts and pages in the database.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import distinct, func, select

from auditapp.audits.models import Audit, AuditStatus, TouchpointVisit
from auditapp.auth.models import Membership, User
from auditapp.core.db import utcnow
from auditapp.core.errors import Conflict, DomainError
from auditapp.development import priority
from auditapp.development.models import (
    DevelopmentItem,
    ItemComment,
    ItemEvent,
    ItemFinding,
    ItemStatus,
    NotDuplicate,
)
from auditapp.development.priority import Effort
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint

#: Findings count once the audit is handed in; drafts may still change.
COUNTED = (AuditStatus.SUBMITTED, AuditStatus.APPROVED)


def _pending_where(org_id: int) -> list:
    linked = select(ItemFinding.friction_point_id).where(ItemFinding.org_id == org_id)
    return [
        FrictionPoint.org_id == org_id,
        Audit.status.in_(COUNTED),
        FrictionPoint.id.not_in(linked),
    ]


def pending_findings(org_id: int, *, limit: int = 100):
    """Return (friction point, visit, audit) rows not yet in any item, oldest first."""
    return db.session.execute(
        select(FrictionPoint, TouchpointVisit, Audit)
        .join(TouchpointVisit, TouchpointVisit.id == FrictionPoint.visit_id)
        .join(Audit, Audit.id == FrictionPoint.audit_id)
        .where(*_pending_where(org_id))
        .order_by(FrictionPoint.id)
        .limit(limit)
    ).all()


def pending_count(org_id: int) -> int:
    """Return how many friction points wait to be sorted (one COUNT query)."""
    return db.session.execute(
        select(func.count(FrictionPoint.id))
        .join(Audit, Audit.id == FrictionPoint.audit_id)
        .where(*_pending_where(org_id))
    ).scalar_one()


def _check_pending(point: FrictionPoint) -> None:
    already = db.session.execute(
        select(ItemFinding.id).where(
            ItemFinding.org_id == point.org_id,
            ItemFinding.friction_point_id == point.id,
        )
    ).first()
    if already:
        raise Conflict(_("This friction point is already on the development list."))


def create_item(
    point: FrictionPoint, visit: TouchpointVisit, audit: Audit, *, actor: User
) -> DevelopmentItem:
    """Start a new development item from a friction point."""
    _check_pending(point)
    item = DevelopmentItem(
        org_id=point.org_id,
        title=point.title,
        description=point.description,
        journey_id=audit.journey_id,
        touchpoint_id=visit.touchpoint_id,
        stage_name=visit.stage_name,
        channel=visit.channel.value,
    )
    db.session.add(item)
    db.session.flush()
    _log(item, actor, "create", point.title)
    return link_finding(point, item, actor=actor, checked=True)


def link_finding(
    point: FrictionPoint, item: DevelopmentItem, *, actor: User, checked: bool = False
) -> DevelopmentItem:
    """Count a friction point in an existing item (a manager said it is the same)."""
    if not checked:
        _check_pending(point)
    db.session.add(
        ItemFinding(
            org_id=item.org_id,
            item_id=item.id,
            friction_point_id=point.id,
            linked_by_id=actor.id,
        )
    )
    db.session.flush()
    refresh_priority(item)
    _log(item, actor, "link", point.title)
    return item


def refresh_priority(item: DevelopmentItem) -> priority.Priority:
    """Recompute severity, audits seen and criticality in SQL; store the score."""
    severity, audits, criticality = db.session.execute(
        select(
            func.max(FrictionPoint.severity),
            func.count(distinct(FrictionPoint.audit_id)),
            func.max(TouchpointVisit.criticality),
        )
        .join(ItemFinding, ItemFinding.friction_point_id == FrictionPoint.id)
        .join(TouchpointVisit, TouchpointVisit.id == FrictionPoint.visit_id)
        .where(ItemFinding.item_id == item.id, ItemFinding.org_id == item.org_id)
    ).one()
    item.severity = severity or 1
    item.audits_seen = max(audits or 0, 1)
    item.criticality = criticality or 2
    result = breakdown(item)
    item.priority_score = result.score
    db.session.flush()
    return result


def breakdown(item: DevelopmentItem) -> priority.Priority:
    """Return the item's priority with the factors behind it."""
    return priority.score(
        priority.ItemFacts(
            severity=item.severity,
            audits_seen=item.audits_seen,
            criticality=item.criticality,
            effort=item.effort,
        )
    )


def set_status(
    item: DevelopmentItem, status: ItemStatus, *, actor: User, reason: str = ""
) -> None:
    """Move an item in its workflow; "won't fix" needs a reason."""
    if status is item.status and status is not ItemStatus.WONT_FIX:
        return  # saving the form unchanged is not an event
    if status is ItemStatus.WONT_FIX and not reason.strip():
        raise DomainError(_("Say why this will not be fixed."))
    if status is ItemStatus.VERIFIED:
        raise DomainError(_("An item is verified by a later audit, not by hand."))
    item.status = status
    item.status_reason = reason if status is ItemStatus.WONT_FIX else ""
    _log(item, actor, "status", f"{status.value} {reason}".strip())


def assign(
    item: DevelopmentItem,
    *,
    owner_id: int | None,
    due_date: date | None,
    effort: Effort | None,
    actor: User,
) -> None:
    """Set the owner (a member of the organisation), due date and effort estimate."""
    if owner_id is not None:
        member = db.session.execute(
            select(Membership.id).where(
                Membership.org_id == item.org_id, Membership.user_id == owner_id
            )
        ).first()
        if member is None:
            raise DomainError(_("The owner must be a member of the organisation."))
    item.owner_id, item.due_date, item.effort = owner_id, due_date, effort
    refresh_priority(item)
    _log(item, actor, "assign", "")


def set_override(
    item: DevelopmentItem, *, position: int, reason: str, actor: User
) -> None:
    """Pin the item to a position in the list; a manager must say why."""
    if not reason.strip():
        raise DomainError(_("Say why this item should be at another position."))
    if position < 1:
        raise DomainError(_("Positions start at 1."))
    item.rank_override = position
    item.rank_override_reason = reason.strip()
    item.rank_override_by_id = actor.id
    item.rank_override_at = utcnow()
    _log(item, actor, "override", f"#{position}: {item.rank_override_reason}")


def clear_override(item: DevelopmentItem, *, actor: User) -> None:
    """Let the item take its place by priority score again."""
    if item.rank_override is None:
        return
    item.rank_override = None
    item.rank_override_reason = ""
    item.rank_override_by_id = None
    item.rank_override_at = None
    _log(item, actor, "override_cleared", "")


def add_comment(item: DevelopmentItem, text: str, *, actor: User) -> ItemComment:
    """Add a comment to the item's discussion."""
    if not text.strip():
        raise DomainError(_("Write a comment first."))
    comment = ItemComment(
        org_id=item.org_id, item_id=item.id, user_id=actor.id, text=text.strip()
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def mark_not_duplicate(
    point: FrictionPoint, item: DevelopmentItem, *, actor: User
) -> None:
    """Remember that a manager said the point is a different issue from the item."""
    exists = db.session.execute(
        select(NotDuplicate.id).where(
            NotDuplicate.org_id == item.org_id,
            NotDuplicate.friction_point_id == point.id,
            NotDuplicate.item_id == item.id,
        )
    ).first()
    if exists is None:
        db.session.add(
            NotDuplicate(
                org_id=item.org_id,
                friction_point_id=point.id,
                item_id=item.id,
                decided_by_id=actor.id,
            )
        )
        db.session.flush()


def _log(item: DevelopmentItem, actor: User, kind: str, text: str) -> None:
    db.session.add(
        ItemEvent(
            org_id=item.org_id, item_id=item.id, user_id=actor.id, kind=kind, text=text
        )
    )
    db.session.flush()
