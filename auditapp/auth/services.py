"""Organisation, member and invitation operations. They flush; views commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from auditapp.auth import sessions, throttle
from auditapp.auth.models import Invitation, Membership, Organisation, User
from auditapp.auth.passwords import hash_password, password_problem, verify_password
from auditapp.core.db import utcnow
from auditapp.core.errors import Conflict, DomainError, NotAllowed
from auditapp.core.tenancy import Role
from auditapp.extensions import db


class TooManyAttempts(DomainError):
    """Sign-in is paused for this account or address."""

    status = 429

    def __init__(self, retry_after: int):
        super().__init__(
            _("Too many failed sign-ins. Try again in %(s)d seconds.", s=retry_after)
        )
        self.retry_after = retry_after


def normalise_email(email: str) -> str:
    """Return the form in which e-mail addresses are stored and compared."""
    return email.strip().lower()


def create_organisation(*, name: str, locale: str = "fi") -> Organisation:
    """Add an organisation (tenant)."""
    org = Organisation(name=name, locale=locale)
    db.session.add(org)
    db.session.flush()
    return org


def create_user(*, email: str, name: str, password: str) -> User:
    """Add a user with a hashed password.

    Raises DomainError if the password breaks the policy or the e-mail is taken.
    """
    email = normalise_email(email)
    problem = password_problem(password, email=email)
    if problem:
        raise DomainError(problem)
    if find_user(email) is not None:
        raise Conflict(_("A user with this e-mail address already exists."))
    user = User(email=email, name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    """Return the user with this e-mail address, if any."""
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def add_member(org: Organisation, user: User, *, role: Role) -> Membership:
    """Give a user a role in an organisation."""
    membership = Membership(org_id=org.id, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def sign_in(*, email: str, password: str, address: str, config) -> str:
    """Check a password and open a session; return the session token.

    Raises TooManyAttempts while the account or address is paused, and DomainError
    with one message for every kind of failure (unknown e-mail, wrong password,
    disabled member), so the answer does not tell which accounts exist.
    """
    email = normalise_email(email)
    keys = [f"acct:{email}", f"ip:{address}"]
    wait = throttle.blocked_for(keys)
    if wait:
        raise TooManyAttempts(wait)
    user = find_user(email)
    membership = _first_active_membership(user) if user else None
    if not verify_password(user.password_hash if user else None, password) or (
        membership is None
    ):
        window = config["LOGIN_FAILURE_WINDOW"]
        throttle.record_failure(
            keys[0], limit=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], window=window
        )
        throttle.record_failure(
            keys[1], limit=config["LOGIN_MAX_FAILURES_PER_IP"], window=window
        )
        raise DomainError(_("The e-mail address or password is wrong."))
    throttle.clear(keys[0])
    return sessions.start_session(membership)


def _first_active_membership(user: User) -> Membership | None:
    return db.session.execute(
        select(Membership)
        .where(Membership.user_id == user.id, Membership.active.is_(True))
        .order_by(Membership.id)
        .limit(1)
    ).scalar_one_or_none()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    org_id: int, *, email: str, role: Role, invited_by: User, lifetime: timedelta
) -> tuple[Invitation, str]:
    """Create a one-time invitation and return it with its secret token.

    Raises Conflict if the address already belongs to a member of the organisation.
    """
    email = normalise_email(email)
    existing = db.session.execute(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id, User.email == email)
    ).first()
    if existing:
        raise Conflict(_("This person is already a member."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        org_id=org_id,
        email=email,
        role=role,
        token_hash=_digest(token),
        invited_by_id=invited_by.id,
        expires_at=utcnow() + lifetime,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def open_invitation(token: str) -> Invitation | None:
    """Return the unused, unexpired invitation for this token, if any."""
    invitation = db.session.execute(
        select(Invitation).where(Invitation.token_hash == _digest(token))
    ).scalar_one_or_none()
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    if invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(
    invitation: Invitation, *, name: str, password: str
) -> Membership:
    """Turn an invitation into a membership, creating the user if needed.

    An existing user must give their current password, so an invitation cannot be
    used to take over an account.
    """
    user = find_user(invitation.email)
    if user is None:
        user = create_user(email=invitation.email, name=name, password=password)
    elif not verify_password(user.password_hash, password):
        raise DomainError(_("Sign in with the password of your existing account."))
    invitation.accepted_at = utcnow()
    org = db.session.get(Organisation, invitation.org_id)
    return add_member(org, user, role=invitation.role)


def revoke_invitation(invitation: Invitation) -> None:
    """Make an unused invitation link stop working."""
    invitation.revoked_at = utcnow()


def _active_admins(org_id: int) -> int:
    return db.session.execute(
        select(func.count(Membership.id)).where(
            Membership.org_id == org_id,
            Membership.role == Role.ADMIN,
            Membership.active.is_(True),
        )
    ).scalar_one()


def change_role(membership: Membership, *, role: Role, actor: User) -> None:
    """Set a member's role; takes effect on their next request.

    Raises NotAllowed when it would leave the organisation without an active admin.
    """
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        if membership.active and _active_admins(membership.org_id) <= 1:
            raise NotAllowed(_("The organisation needs at least one admin."))
    membership.role = role
    db.session.flush()


def set_active(membership: Membership, *, active: bool, actor: User) -> None:
    """Disable or re-enable a member; disabling ends all their sessions at once."""
    if not active:
        if membership.user_id == actor.id:
            raise NotAllowed(_("You cannot disable yourself."))
        if membership.role == Role.ADMIN and _active_admins(membership.org_id) <= 1:
            raise NotAllowed(_("The organisation needs at least one admin."))
        sessions.end_all_sessions(user_id=membership.user_id, org_id=membership.org_id)
    membership.active = active
    db.session.flush()


def set_locale(user: User, locale: str | None) -> None:
    """Remember the user's interface language (None follows the browser)."""
    user.locale = locale
