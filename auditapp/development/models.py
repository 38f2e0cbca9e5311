"""DevelopmentItem (kehityslista): an action that friction points call for."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.core.db import OrgScopedMixin, enum_column, utcnow
from auditapp.development.priority import Effort
from auditapp.extensions import db

if TYPE_CHECKING:
    from auditapp.auth.models import User
    from auditapp.journeys.models import Journey, Touchpoint

TITLE_MAX = 200
TEXT_MAX = 5_000


class ItemStatus(enum.StrEnum):
    """Where a development item is in its workflow."""

    NEW = "new"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    WONT_FIX = "wont_fix"

    @property
    def label(self):
        """Return the translated status name."""
        return ITEM_STATUS_LABELS[self]


ITEM_STATUS_LABELS = {
    ItemStatus.NEW: _l("New"),
    ItemStatus.PLANNED: _l("Planned"),
    ItemStatus.IN_PROGRESS: _l("In progress"),
    ItemStatus.DONE: _l("Done"),
    ItemStatus.VERIFIED: _l("Verified"),
    ItemStatus.WONT_FIX: _l("Won't fix"),
}


class DevelopmentItem(OrgScopedMixin, db.Model):
    """Something to fix, with its priority facts kept in step with its findings."""

    # The list reads an organisation's items by status (open ones by default).
    __table_args__ = (Index("ix_development_item_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ItemStatus] = mapped_column(
        enum_column(ItemStatus), default=ItemStatus.NEW, index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date | None]
    effort: Mapped[Effort | None] = mapped_column(enum_column(Effort))
    #: Where it happens, copied from its first friction point
    journey_id: Mapped[int | None] = mapped_column(
        ForeignKey("journey.id", ondelete="SET NULL"), index=True
    )
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="SET NULL"), index=True
    )
    stage_name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    #: Facts behind the priority, recomputed in SQL whenever findings change
    severity: Mapped[int] = mapped_column(default=1)
    audits_seen: Mapped[int] = mapped_column(default=1)
    criticality: Mapped[int] = mapped_column(default=2)
    priority_score: Mapped[float] = mapped_column(default=0.0, index=True)
    #: The later audit that passed the expectations this item came from
    verified_by_audit_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit.id", ondelete="SET NULL")
    )
    #: Reason given when the status is "won't fix"
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: A manager's pin: the 1-based position the item takes in the list, with why
    rank_override: Mapped[int | None]
    rank_override_reason: Mapped[str] = mapped_column(Text, default="")
    rank_override_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    rank_override_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Loaded explicitly by the list query (joinedload); lazy loading is an N+1 bug.
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")
    journey: Mapped[Journey | None] = relationship(lazy="raise")
    touchpoint: Mapped[Touchpoint | None] = relationship(lazy="raise")

    @property
    def closed(self) -> bool:
        """Return whether the item has left the workflow (verified or won't fix)."""
        return self.status in CLOSED_STATUSES


CLOSED_STATUSES = (ItemStatus.VERIFIED, ItemStatus.WONT_FIX)


class ItemFinding(OrgScopedMixin, db.Model):
    """A friction point counted in an item; each belongs to at most one item."""

    __table_args__ = (UniqueConstraint("org_id", "friction_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("development_item.id", ondelete="CASCADE"), index=True
    )
    friction_point_id: Mapped[int] = mapped_column(
        ForeignKey("friction_point.id", ondelete="CASCADE")
    )
    linked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class ItemEvent(OrgScopedMixin, db.Model):
    """An append-only history line of an item: who did what and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("development_item.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    #: "create", "link", "status", "assign", "verified", "reopened", "override",
    #: "override_cleared", "comment"
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")


class ItemComment(OrgScopedMixin, db.Model):
    """A note on an item by a member: what was decided, asked or found out."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("development_item.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class NotDuplicate(OrgScopedMixin, db.Model):
    """A manager said this friction point is not the same issue as this item.

    The inbox stops suggesting the pair, so nobody has to say "different" twice.
    """

    __table_args__ = (UniqueConstraint("org_id", "friction_point_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    friction_point_id: Mapped[int] = mapped_column(
        ForeignKey("friction_point.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("development_item.id", ondelete="CASCADE"), index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
