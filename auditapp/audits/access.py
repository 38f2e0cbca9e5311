"""Who may see which audit: its auditor, and the organisation's managers."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from auditapp.audits.models import Audit
from auditapp.core.tenancy import Role, current_role, get_in_org_or_404


def can_see(audit: Audit) -> bool:
    """Return whether the signed-in member may see this audit."""
    return audit.auditor_id == current_user.id or current_role().includes(Role.MANAGER)


def audit_for_viewer(audit_id: int) -> Audit:
    """Return an audit of the organisation the member may see, or abort 404.

    Another auditor's audit answers like a missing one.
    """
    audit = get_in_org_or_404(Audit, audit_id)
    if not can_see(audit):
        abort(404)
    return audit
