"""Password policy and hashing (ASVS 6.2: length over composition rules)."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 128

# The most common passwords and their obvious variants; a breached-password service is
# out of reach on a closed network, so the worst offenders are listed here.
_COMMON = frozenset(
    """
    password password1 password12 password123 password1234 passw0rd salasana
    salasana1 salasana12 salasana123 salasana1234 qwerty qwertyuiop qwerty123
    qwerty1234 1234567890 123456789 12345678 0123456789 1111111111 0000000000
    iloveyou123 abc123abc123 letmein123 welcome123 tervetuloa tervetuloa1
    kesä2026 kesa2026 talvi2026 syksy2026 kevät2026 admin12345 administrator
    changeme123 trustno1234 football123 baseball123 sunshine123 princess123
    """.split()
)

_DUMMY_HASH = generate_password_hash("not-a-real-password-for-timing")


def password_problem(password: str, *, email: str = "") -> str | None:
    """Return why a new password is unacceptable, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _COMMON or (email and lowered == email.lower()):
        return _("This password is too easy to guess. Try a short sentence.")
    if len(set(password)) < 4:
        return _("This password is too easy to guess. Try a short sentence.")
    return None


def hash_password(password: str) -> str:
    """Return a salted scrypt hash (Werkzeug's current default)."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an unknown user costs the same time as a known one."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
