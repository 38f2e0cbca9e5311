"""Server-side login sessions: a cookie is only good while its row exists."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import delete, select

from auditapp.auth.models import AuthSession, Membership, User
from auditapp.core.db import utcnow
from auditapp.extensions import db

_TOUCH_EVERY = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(membership: Membership) -> str:
    """Create a session row for this membership and return its secret token."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AuthSession(
            org_id=membership.org_id,
            user_id=membership.user_id,
            token_hash=_digest(token),
        )
    )
    db.session.flush()
    return token


def end_session(token: str | None) -> None:
    """Delete the session row for this token (signing that browser out)."""
    if token:
        db.session.execute(
            delete(AuthSession).where(AuthSession.token_hash == _digest(token))
        )


def end_all_sessions(*, user_id: int, org_id: int) -> None:
    """Sign a user out of every browser in one organisation."""
    db.session.execute(
        delete(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.org_id == org_id
        )
    )


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the user behind a live session row and active membership.

    Sets g.org_id, g.role and g.membership for the tenancy helpers.
    """
    token = session.get("sid")
    if not token:
        return None
    row = db.session.execute(
        select(AuthSession, Membership)
        .join(
            Membership,
            (Membership.user_id == AuthSession.user_id)
            & (Membership.org_id == AuthSession.org_id),
        )
        .where(AuthSession.token_hash == _digest(token), Membership.active.is_(True))
    ).first()
    if row is None or str(row.Membership.user_id) != str(user_id):
        return None
    auth_session, membership = row
    now = utcnow()
    if now - auth_session.last_seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]:
        return None
    if now - auth_session.created_at > current_app.config["PERMANENT_SESSION_LIFETIME"]:
        return None
    if now - auth_session.last_seen_at > _TOUCH_EVERY:
        # Written at most every few minutes: a GET should not cost a write each time.
        auth_session.last_seen_at = now
        db.session.commit()
    g.org_id, g.role, g.membership = membership.org_id, membership.role, membership
    return membership.user
