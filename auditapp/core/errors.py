"""Domain errors that services raise and views map to HTTP statuses."""


class DomainError(Exception):
    """A rule of the domain refused the operation; the message is for the user."""

    status = 422


class NotAllowed(DomainError):
    """The user's role does not permit this."""

    status = 403


class Conflict(DomainError):
    """The operation clashes with the current state (stale version, in use)."""

    status = 409
