"""Organisations (tenants), users, memberships, sessions and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.core.db import OrgScopedMixin, TimestampMixin, enum_column, utcnow
from auditapp.core.tenancy import Role
from auditapp.extensions import db


class Organisation(TimestampMixin, db.Model):
    """A company that audits its own service paths: the tenant."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Language of the organisation's own content (demo journeys, default UI)
    locale: Mapped[str] = mapped_column(String(8), default="fi")


class User(TimestampMixin, db.Model):
    """A person who signs in; belongs to organisations through memberships."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the sign-in name
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: The user's chosen interface language; None follows the browser
    locale: Mapped[str | None] = mapped_column(String(8))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", lazy="raise"
    )

    # Flask-Login protocol. The session, not the user, is what gets authenticated:
    # see auth.sessions.load_user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Return True: disabled members are refused when their session loads."""
        return True

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session cookie."""
        return str(self.id)


class Membership(OrgScopedMixin, TimestampMixin, db.Model):
    """A user's role in one organisation; disabling it ends their access there."""

    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="joined")
    org: Mapped[Organisation] = relationship(lazy="joined")


class AuthSession(OrgScopedMixin, db.Model):
    """A signed-in browser; deleting the row signs that browser out at once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the random token kept in the signed cookie
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(OrgScopedMixin, TimestampMixin, db.Model):
    """A one-time link an admin hands to a new member."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginThrottle(db.Model):
    """Failed sign-ins counted per account and per address, in a sliding window."""

    #: "acct:<email>" or "ip:<address>"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]
