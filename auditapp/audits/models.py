"""Audit → TouchpointVisit → Answer, pinned copies of the journey they walk."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.core.db import OrgScopedMixin, enum_column, utcnow
from auditapp.extensions import db
from auditapp.journeys.models import Channel

HAPPENED_MAX = 10_000
LOCATION_MAX = 200
COMMENT_MAX = 5_000


class AuditStatus(enum.StrEnum):
    """Where an audit is in its life: walked, then reviewed."""

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"

    @property
    def label(self):
        """Return the translated status name."""
        return STATUS_LABELS[self]

    @property
    def editable(self) -> bool:
        """Return whether the auditor may still change answers."""
        return self in (AuditStatus.IN_PROGRESS, AuditStatus.RETURNED)


STATUS_LABELS = {
    AuditStatus.IN_PROGRESS: _l("In progress"),
    AuditStatus.SUBMITTED: _l("Submitted"),
    AuditStatus.RETURNED: _l("Returned"),
    AuditStatus.APPROVED: _l("Approved"),
}


class Rating(enum.StrEnum):
    """How the realization compared with one expectation."""

    EXCEEDED = "exceeded"
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "na"

    @property
    def label(self):
        """Return the translated answer text."""
        return RATING_LABELS[self]

    @property
    def is_gap(self) -> bool:
        """Return whether this answer reveals a crack (särö) worth a friction point."""
        return self in (Rating.PARTLY, Rating.NOT_MET)


RATING_LABELS = {
    Rating.EXCEEDED: _l("Exceeded"),
    Rating.MET: _l("Met"),
    Rating.PARTLY: _l("Partly"),
    Rating.NOT_MET: _l("Not met"),
    Rating.NOT_APPLICABLE: _l("Not applicable"),
}


class Audit(OrgScopedMixin, db.Model):
    """One walk of a journey by an auditor, pinned to the version it began from."""

    # A device that retries must never create a second audit (reliability.md I2).
    __table_args__ = (UniqueConstraint("org_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made by the device that started the audit (offline), or here when online
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    # RESTRICT: a journey that has audits cannot be deleted, only archived.
    journey_id: Mapped[int] = mapped_column(
        ForeignKey("journey.id", ondelete="RESTRICT"), index=True
    )
    #: The journey's version when the audit started (its texts are copied below)
    journey_version: Mapped[int]
    journey_name: Mapped[str] = mapped_column(String(200))
    persona_id: Mapped[int | None] = mapped_column(
        ForeignKey("persona.id", ondelete="SET NULL")
    )
    #: The persona's name as it was when the audit started
    persona_name: Mapped[str] = mapped_column(String(200), default="")
    auditor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    location: Mapped[str] = mapped_column(String(LOCATION_MAX), default="")
    audit_date: Mapped[date]
    status: Mapped[AuditStatus] = mapped_column(
        enum_column(AuditStatus), default=AuditStatus.IN_PROGRESS, index=True
    )
    #: The manager's comment when the audit was last returned
    return_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]

    visits: Mapped[list[TouchpointVisit]] = relationship(
        back_populates="audit",
        order_by="TouchpointVisit.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class TouchpointVisit(OrgScopedMixin, db.Model):
    """A touchpoint as it was when the audit began, and what the auditor found there."""

    __table_args__ = (
        CheckConstraint("emotion BETWEEN -2 AND 2", name="emotion_range"),
        CheckConstraint("response_seconds >= 0", name="response_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Increases with every save; an offline edit names the version it started from.
    #: The mapper checks it in each UPDATE, so two concurrent saves cannot both win.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audit.id", ondelete="CASCADE"), index=True
    )
    #: Order across the whole journey (stage order, then touchpoint order)
    position: Mapped[int]
    stage_position: Mapped[int]
    stage_name: Mapped[str] = mapped_column(String(200))
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    customer_need: Mapped[str] = mapped_column(Text, default="")
    criticality: Mapped[int] = mapped_column(default=2)
    target_response_seconds: Mapped[int | None]
    #: What actually happened (toteuma), in the auditor's words
    happened: Mapped[str] = mapped_column(Text, default="")
    #: How it felt: -2 (very bad) … +2 (very good)
    emotion: Mapped[int | None]
    response_seconds: Mapped[int | None]
    updated_at: Mapped[datetime | None]

    audit: Mapped[Audit] = relationship(back_populates="visits", lazy="raise")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="visit",
        order_by="Answer.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class Answer(OrgScopedMixin, db.Model):
    """The auditor's judgement of one expectation (copied from the journey)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoint_visit.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    expectation_id: Mapped[int | None] = mapped_column(
        ForeignKey("expectation.id", ondelete="SET NULL")
    )
    #: The expectation's text when the audit began
    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[Rating | None] = mapped_column(enum_column(Rating))
    answered_at: Mapped[datetime | None]

    visit: Mapped[TouchpointVisit] = relationship(
        back_populates="answers", lazy="raise"
    )


class AuditEvent(OrgScopedMixin, db.Model):
    """An append-only record of a status change, with who and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audit.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    status: Mapped[AuditStatus] = mapped_column(enum_column(AuditStatus))
    comment: Mapped[str] = mapped_column(Text, default="")
