"""Report downloads (PDF) and their HTML previews, built from the same data."""

from __future__ import annotations

from flask import Blueprint, Response, abort, url_for
from flask_babel import get_locale
from flask_login import login_required

from auditapp.audits.access import audit_for_viewer
from auditapp.audits.models import AuditStatus
from auditapp.core.tenancy import current_org_id
from auditapp.findings.services import photo_store
from auditapp.reports import context, pdf

bp = Blueprint("reports", __name__)

#: An audit gets a report once it is handed in.
REPORTABLE = (AuditStatus.SUBMITTED, AuditStatus.APPROVED)


@bp.before_request
@login_required
def _signed_in():
    """Every report needs a member; who sees what is checked per view."""


def _pdf_response(kind: str, report, filename: str) -> Response:
    data = pdf.render_report(
        kind,
        report,
        photos=report.photos,
        store=photo_store(),
        locale=str(get_locale()),
    )
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _preview(kind: str, report) -> Response:
    html = pdf.render_html(
        kind,
        report,
        asset=lambda path: url_for("static", filename=path),
        photo_url=lambda photo_id, variant="display": url_for(
            "findings.photo", photo_id=photo_id, variant=variant
        ),
    )
    return Response(html, headers={"Cache-Control": "private, no-store"})


def _audit_report(audit_id: int) -> context.AuditReport:
    audit = audit_for_viewer(audit_id)
    if audit.status not in REPORTABLE:
        abort(404)
    return context.build_audit_report(current_org_id(), audit.id)


@bp.get("/audits/<int:audit_id>/report.pdf")
def audit_pdf(audit_id: int):
    """Download the audit report of a handed-in audit as a PDF."""
    report = _audit_report(audit_id)
    return _pdf_response("audit", report, f"audit-{audit_id}.pdf")


@bp.get("/audits/<int:audit_id>/report")
def audit_preview(audit_id: int):
    """Show the audit report as HTML, from the same data as the PDF."""
    return _preview("audit", _audit_report(audit_id))
