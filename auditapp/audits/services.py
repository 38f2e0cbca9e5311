"""Start, walk, submit and review audits. Services flush; views commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auditapp.audits.models import (
    Answer,
    Audit,
    AuditEvent,
    AuditStatus,
    Rating,
    TouchpointVisit,
)
from auditapp.audits.signals import audit_submitted
from auditapp.auth.models import User
from auditapp.core.db import utcnow
from auditapp.core.errors import Conflict, DomainError, NotAllowed
from auditapp.extensions import db
from auditapp.journeys.models import Journey, Persona


def start_audit(
    journey: Journey,
    *,
    auditor: User,
    persona: Persona | None = None,
    location: str = "",
    audit_date: date,
    client_uuid: uuid.UUID | None = None,
) -> Audit:
    """Start an audit of a journey (stages, touchpoints, expectations loaded).

    Copies their texts: later edits of the journey must not rewrite this audit.
    Raises DomainError for an archived journey or one with nothing to check.
    """
    if journey.archived:
        raise DomainError(_("This journey is archived."))
    touchpoints = [(s, tp) for s in journey.stages for tp in s.touchpoints]
    if not any(tp.expectations for _s, tp in touchpoints):
        raise DomainError(_("This journey has no expectations to check yet."))
    audit = Audit(
        org_id=journey.org_id,
        client_uuid=client_uuid or uuid.uuid4(),
        journey_id=journey.id,
        journey_version=journey.version,
        journey_name=journey.name,
        persona_id=persona.id if persona else None,
        persona_name=persona.name if persona else "",
        auditor_id=auditor.id,
        location=location,
        audit_date=audit_date,
        status=AuditStatus.IN_PROGRESS,
    )
    db.session.add(audit)
    db.session.flush()
    for position, (stage, tp) in enumerate(touchpoints):
        visit = TouchpointVisit(
            org_id=audit.org_id,
            audit_id=audit.id,
            position=position,
            stage_position=stage.position,
            stage_name=stage.name,
            touchpoint_id=tp.id,
            name=tp.name,
            channel=tp.channel,
            customer_need=tp.customer_need,
            criticality=tp.criticality,
            target_response_seconds=tp.target_response_seconds,
        )
        db.session.add(visit)
        db.session.flush()
        db.session.add_all(
            Answer(
                org_id=audit.org_id,
                visit_id=visit.id,
                position=i,
                expectation_id=e.id,
                text=e.text,
            )
            for i, e in enumerate(tp.expectations)
        )
    _log(audit, actor=auditor, status=AuditStatus.IN_PROGRESS)
    return audit


def load_audit(org_id: int, audit_id: int) -> Audit | None:
    """Return an audit with its visits and answers loaded (two more queries)."""
    return db.session.execute(
        select(Audit)
        .where(Audit.id == audit_id, Audit.org_id == org_id)
        .options(selectinload(Audit.visits).selectinload(TouchpointVisit.answers))
    ).scalar_one_or_none()


def audit_by_client_uuid(org_id: int, client_uuid: uuid.UUID) -> Audit | None:
    """Return the organisation's audit that a device created with this UUID."""
    return db.session.execute(
        select(Audit).where(Audit.org_id == org_id, Audit.client_uuid == client_uuid)
    ).scalar_one_or_none()


def open_audit_uuids(org_id: int, auditor_id: int) -> list[str]:
    """Return the UUIDs of an auditor's audits that are still open for answers."""
    editable = [s for s in AuditStatus if s.editable]
    return [
        str(u)
        for u in db.session.execute(
            select(Audit.client_uuid)
            .where(
                Audit.org_id == org_id,
                Audit.auditor_id == auditor_id,
                Audit.status.in_(editable),
            )
            .order_by(Audit.id)
        ).scalars()
    ]


def check_can_edit(audit: Audit, actor: User) -> None:
    """Raise unless `actor` is this audit's auditor and it is still open for answers."""
    if audit.auditor_id != actor.id:
        raise NotAllowed(_("Only the auditor who walks this audit can change it."))
    if not audit.status.editable:
        raise Conflict(_("This audit has been handed in and can no longer be changed."))


@dataclass(frozen=True)
class VisitInput:
    """What the auditor entered on one touchpoint screen."""

    ratings: dict[int, Rating | None]
    happened: str = ""
    emotion: int | None = None
    response_seconds: int | None = None


class StaleEdit(Conflict):
    """An edit made from an older version of the visit than the one stored."""


def save_visit(
    visit: TouchpointVisit,
    audit: Audit,
    *,
    data: VisitInput,
    actor: User,
    base_version: int | None = None,
):
    """Store the answers and notes of one touchpoint and bump its version.

    Only the visit's own answers are touched; ids of other answers are ignored.
    An edit that names the version it was based on (a device that was offline)
    raises StaleEdit when the visit has changed since.
    """
    check_can_edit(audit, actor)
    if base_version is not None and base_version != visit.version:
        raise StaleEdit(_("This touchpoint was changed elsewhere in the meantime."))
    now = utcnow()
    for answer in visit.answers:
        if answer.id in data.ratings and answer.rating != data.ratings[answer.id]:
            answer.rating = data.ratings[answer.id]
            answer.answered_at = now if answer.rating else None
    visit.happened = data.happened
    visit.emotion = data.emotion
    visit.response_seconds = data.response_seconds
    visit.updated_at = now  # the mapper bumps `version` with this UPDATE
    db.session.flush()


def unanswered(audit: Audit) -> list[tuple[TouchpointVisit, Answer]]:
    """Return the expectations that still have no answer, in walking order."""
    return [(v, a) for v in audit.visits for a in v.answers if a.rating is None]


def submit_audit(audit: Audit, *, actor: User) -> None:
    """Hand the audit in for review once every expectation has an answer."""
    check_can_edit(audit, actor)
    missing = unanswered(audit)
    if missing:
        raise DomainError(
            ngettext(
                "%(num)d expectation has no answer yet.",
                "%(num)d expectations have no answer yet.",
                len(missing),
            )
        )
    audit.status = AuditStatus.SUBMITTED
    audit.submitted_at = utcnow()
    _log(audit, actor=actor, status=AuditStatus.SUBMITTED)
    audit_submitted.send(audit, actor=actor)


def _check_reviewable(audit: Audit) -> None:
    if audit.status is not AuditStatus.SUBMITTED:
        raise Conflict(_("Only a submitted audit can be reviewed."))


def approve_audit(audit: Audit, *, actor: User) -> None:
    """Accept a submitted audit; its findings are then final."""
    _check_reviewable(audit)
    audit.status = AuditStatus.APPROVED
    audit.approved_at = utcnow()
    _log(audit, actor=actor, status=AuditStatus.APPROVED)


def return_audit(audit: Audit, *, actor: User, comment: str) -> None:
    """Send a submitted audit back to its auditor with a comment (required)."""
    _check_reviewable(audit)
    if not comment.strip():
        raise DomainError(_("Say why the audit is returned."))
    audit.status = AuditStatus.RETURNED
    audit.return_comment = comment
    _log(audit, actor=actor, status=AuditStatus.RETURNED, comment=comment)


def _log(audit: Audit, *, actor: User, status: AuditStatus, comment: str = ""):
    db.session.add(
        AuditEvent(
            org_id=audit.org_id,
            audit_id=audit.id,
            user_id=actor.id,
            status=status,
            comment=comment,
        )
    )
    db.session.flush()
