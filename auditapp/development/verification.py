"""Close the loop: a later audit verifies a done item, or reopens it.

An item is checked through the expectations its friction points were logged against
(`FrictionPoint.answer_id` → `Answer.expectation_id`). When a handed-in audit answers
all of them met or exceeded, a done item becomes verified by that audit; when it
answers any of them partly or not met, a done or verified item is reopened with a
note. Items whose findings name no expectation cannot be checked automatically.
"""

from __future__ import annotations

from sqlalchemy import select

from auditapp.audits.models import Answer, Audit, Rating, TouchpointVisit
from auditapp.audits.signals import audit_submitted
from auditapp.auth.models import User
from auditapp.development.models import (
    DevelopmentItem,
    ItemEvent,
    ItemFinding,
    ItemStatus,
)
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint

PASS = {Rating.MET, Rating.EXCEEDED}
FAIL = {Rating.PARTLY, Rating.NOT_MET}
CHECKED = (ItemStatus.DONE, ItemStatus.VERIFIED)


def _item_expectations(org_id: int) -> dict[int, set[int]]:
    """Map each done/verified item of the org to the expectation ids behind it."""
    rows = db.session.execute(
        select(DevelopmentItem.id, Answer.expectation_id)
        .join(ItemFinding, ItemFinding.item_id == DevelopmentItem.id)
        .join(FrictionPoint, FrictionPoint.id == ItemFinding.friction_point_id)
        .join(Answer, Answer.id == FrictionPoint.answer_id)
        .where(
            DevelopmentItem.org_id == org_id,
            DevelopmentItem.status.in_(CHECKED),
            Answer.expectation_id.is_not(None),
        )
    ).all()
    result: dict[int, set[int]] = {}
    for item_id, expectation_id in rows:
        result.setdefault(item_id, set()).add(expectation_id)
    return result


def check_items_against(audit: Audit, *, actor: User) -> None:
    """Verify or reopen done items by the answers of a handed-in audit."""
    wanted = _item_expectations(audit.org_id)
    if not wanted:
        return
    answers = dict(
        db.session.execute(
            select(Answer.expectation_id, Answer.rating)
            .join(TouchpointVisit, TouchpointVisit.id == Answer.visit_id)
            .where(
                TouchpointVisit.audit_id == audit.id,
                Answer.org_id == audit.org_id,
                Answer.expectation_id.is_not(None),
            )
        ).all()
    )
    items = db.session.execute(
        select(DevelopmentItem).where(DevelopmentItem.id.in_(wanted))
    ).scalars()
    for item in items:
        ratings = [answers[e] for e in wanted[item.id] if e in answers]
        if not ratings or any(r is Rating.NOT_APPLICABLE for r in ratings):
            continue
        if any(r in FAIL for r in ratings):
            _set(
                item,
                ItemStatus.NEW,
                actor,
                "reopened",
                str(audit.id),
                None,
            )
        elif item.status is ItemStatus.DONE and all(r in PASS for r in ratings):
            _set(
                item,
                ItemStatus.VERIFIED,
                actor,
                "verified",
                str(audit.id),
                audit.id,
            )
    db.session.flush()


def _set(item, status, actor, kind, text, audit_id) -> None:
    item.status, item.verified_by_audit_id = status, audit_id
    db.session.add(
        ItemEvent(
            org_id=item.org_id, item_id=item.id, user_id=actor.id, kind=kind, text=text
        )
    )


def _on_audit_submitted(audit: Audit, *, actor: User, **_extra) -> None:
    check_items_against(audit, actor=actor)


def connect() -> None:
    """Subscribe to audits being handed in (create_app calls it; idempotent)."""
    audit_submitted.connect(_on_audit_submitted)
