"""Journey (service path) → Stage → Touchpoint → Expectation, and Persona."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.core.db import OrgScopedMixin, TimestampMixin, enum_column, utcnow
from auditapp.extensions import db

# Longest accepted text per field; forms and the JSON import share them.
NAME_MAX = 200
DESCRIPTION_MAX = 5000
NEED_MAX = 2000
EXPECTATION_MAX = 1000
PERSONA_TEXT_MAX = 2000
#: A week: the longest target response time that still makes sense
TARGET_SECONDS_MAX = 7 * 24 * 3600


class Channel(enum.StrEnum):
    """Where the customer meets the company at a touchpoint (kanava)."""

    WEB = "web"
    SOCIAL = "social"
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    PHYSICAL = "physical"
    OTHER = "other"

    @property
    def label(self):
        """Return the channel's translated name."""
        return CHANNEL_LABELS[self]

    @property
    def kind(self) -> str:
        """Return "digital", "physical" or "other" (domain.md: the two families)."""
        return CHANNEL_KINDS[self]

    @property
    def speed_matters(self) -> bool:
        """Return whether a target response time applies (phone, e-mail, chat)."""
        return self in (Channel.PHONE, Channel.EMAIL, Channel.CHAT)


CHANNEL_LABELS = {
    Channel.WEB: _l("Web site"),
    Channel.SOCIAL: _l("Social media"),
    Channel.EMAIL: _l("E-mail"),
    Channel.PHONE: _l("Phone"),
    Channel.CHAT: _l("Chat"),
    Channel.PHYSICAL: _l("Physical location"),
    Channel.OTHER: _l("Other"),
}
# domain.md: digital = web site, social media, chat, e-mail; physical = store,
# reception, phone call.
CHANNEL_KINDS = {
    Channel.WEB: "digital",
    Channel.SOCIAL: "digital",
    Channel.EMAIL: "digital",
    Channel.CHAT: "digital",
    Channel.PHONE: "physical",
    Channel.PHYSICAL: "physical",
    Channel.OTHER: "other",
}


class Journey(OrgScopedMixin, TimestampMixin, db.Model):
    """A service path (asiakaspolku): ordered stages the customer goes through."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Increases with every change; audits pin the version they started from
    version: Mapped[int] = mapped_column(default=1)
    archived_at: Mapped[datetime | None]

    stages: Mapped[list[Stage]] = relationship(
        back_populates="journey",
        order_by="Stage.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )

    @property
    def archived(self) -> bool:
        """Return whether the journey is archived (kept, but not offered for audits)."""
        return self.archived_at is not None


class Stage(OrgScopedMixin, db.Model):
    """A phase of the journey (vaihe): information search, purchase, after purchase…"""

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(
        ForeignKey("journey.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))

    journey: Mapped[Journey] = relationship(back_populates="stages", lazy="raise")
    touchpoints: Mapped[list[Touchpoint]] = relationship(
        back_populates="stage",
        order_by="Touchpoint.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class Touchpoint(OrgScopedMixin, db.Model):
    """A moment where the customer meets the company (kohtaamispiste)."""

    __table_args__ = (
        CheckConstraint("criticality BETWEEN 1 AND 3", name="criticality_range"),
        CheckConstraint(
            "target_response_seconds IS NULL OR target_response_seconds > 0",
            name="target_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        ForeignKey("stage.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    #: Where the customer meets us (web, phone, store…)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    #: What the customer is trying to do or find out here (tarve)
    customer_need: Mapped[str] = mapped_column(Text, default="")
    #: How decisive this moment is: 1 normal, 2 important, 3 critical
    criticality: Mapped[int] = mapped_column(default=2)
    #: Target response time where speed matters (phone, e-mail, chat)
    target_response_seconds: Mapped[int | None]

    stage: Mapped[Stage] = relationship(back_populates="touchpoints", lazy="raise")
    expectations: Mapped[list[Expectation]] = relationship(
        back_populates="touchpoint",
        order_by="Expectation.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class Expectation(OrgScopedMixin, db.Model):
    """What the customer expects at a touchpoint (odotus): one checklist item."""

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    touchpoint: Mapped[Touchpoint] = relationship(
        back_populates="expectations", lazy="raise"
    )


class Persona(OrgScopedMixin, TimestampMixin, db.Model):
    """A customer profile (ostajapersoona) a journey can be walked as."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Who they are
    description: Mapped[str] = mapped_column(Text, default="")
    #: What problem our service solves for them; what they try to achieve
    goal: Mapped[str] = mapped_column(Text, default="")
    #: What they value most
    values: Mapped[str] = mapped_column(Text, default="")
    #: Why they buy from us
    why_buy: Mapped[str] = mapped_column(Text, default="")
    archived_at: Mapped[datetime | None]


class JourneyChange(OrgScopedMixin, db.Model):
    """One edit of a journey: who changed what and when, and the version it made."""

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(
        ForeignKey("journey.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int]
    #: Kind of change, e.g. "touchpoint.update"; shown translated
    action: Mapped[str] = mapped_column(String(40))
    #: Name of what changed, as it was at the time
    subject: Mapped[str] = mapped_column(Text, default="")
