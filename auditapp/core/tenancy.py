"""The organisation of the signed-in user, and lookups that go through it."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from flask import abort, g
from sqlalchemy import select

from auditapp.extensions import db

T = TypeVar("T")


class Role(enum.StrEnum):
    """A member's role; each includes what the ones below it may do."""

    AUDITOR = "auditor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Return the role's place in the hierarchy (higher may do more)."""
        return _RANKS[self]

    def includes(self, other: Role) -> bool:
        """Return whether this role may do what `other` may do."""
        return self.rank >= other.rank


_RANKS = {Role.AUDITOR: 1, Role.MANAGER: 2, Role.ADMIN: 3}


def current_org_id() -> int:
    """Return the id of the signed-in user's organisation, or abort 401."""
    org_id = getattr(g, "org_id", None)
    if org_id is None:
        abort(401)
    return org_id


def current_role() -> Role:
    """Return the signed-in member's role, or abort 401."""
    role = getattr(g, "role", None)
    if role is None:
        abort(401)
    return role


def require_role(minimum: Role) -> None:
    """Abort 403 unless the signed-in member has at least `minimum`."""
    if not current_role().includes(minimum):
        abort(403)


def get_in_org_or_404(model: type[T], ident: Any, **filters: Any) -> T:
    """Return the row with this id in the current organisation, or abort 404.

    Another organisation's row answers exactly like a missing one.
    """
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    stmt = select(model).where(model.id == ident, model.org_id == current_org_id())
    for name, value in filters.items():
        stmt = stmt.where(getattr(model, name) == value)
    row = db.session.execute(stmt).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def role_flags() -> dict[str, bool]:
    """Template globals: what the signed-in member's role lets the page offer."""
    role = getattr(g, "role", None)
    return {
        "can_design": bool(role and role.includes(Role.MANAGER)),
        "is_admin": bool(role and role.includes(Role.ADMIN)),
    }
