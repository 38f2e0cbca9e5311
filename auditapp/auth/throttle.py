"""Slow down password guessing: per account and per address, never forever."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from auditapp.auth.models import LoginThrottle
from auditapp.core.db import utcnow
from auditapp.extensions import db


def _row(key: str) -> LoginThrottle | None:
    return db.session.execute(
        select(LoginThrottle).where(LoginThrottle.key == key)
    ).scalar_one_or_none()


def blocked_for(keys: list[str], *, now: datetime | None = None) -> int:
    """Return how many seconds sign-in stays blocked for any of these keys (0: open)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(LoginThrottle).where(LoginThrottle.key.in_(keys))
    ).scalars()
    waits = [
        (row.blocked_until - now).total_seconds()
        for row in rows
        if row.blocked_until and row.blocked_until > now
    ]
    return int(max(waits, default=0)) + (1 if waits else 0)


def record_failure(
    key: str, *, limit: int, window: timedelta, now: datetime | None = None
) -> None:
    """Count a failed sign-in; past `limit` in `window`, block with growing delays.

    The block doubles with each failure past the limit (1, 2, 4… minutes, at most the
    window), so a person who mistyped waits briefly and a guesser crawls.
    """
    now = now or utcnow()
    row = _row(key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
        db.session.add(row)
    if now - row.window_start > window:
        row.failures, row.window_start, row.blocked_until = 0, now, None
    row.failures += 1
    excess = row.failures - limit
    if excess >= 0:
        delay = min(timedelta(minutes=2 ** min(excess, 12)), window)
        row.blocked_until = now + delay
    db.session.flush()


def clear(key: str) -> None:
    """Forget failures for a key after a successful sign-in."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
