"""Report downloads (PDF) and their HTML previews, built from the same data."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import get_locale
from flask_login import login_required

from auditapp.audits.access import audit_for_viewer
from auditapp.audits.models import AuditStatus
from auditapp.core.tenancy import Role, current_org_id, require_role
from auditapp.development.forms import DashboardForm
from auditapp.development.views import dashboard_period, filter_form, list_filters
from auditapp.findings.services import photo_store
from auditapp.reports import context, list_context, map_context, render

bp = Blueprint("reports", __name__)

#: An audit gets a report once it is handed in.
REPORTABLE = (AuditStatus.SUBMITTED, AuditStatus.APPROVED)


@bp.before_request
@login_required
def _signed_in():
    """Every report needs a member; who sees what is checked per view."""


def _pdf_response(kind: str, report, filename: str) -> Response:
    data = render.render_report(
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
    html = render.render_html(
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


def _development_report() -> list_context.DevelopmentListReport:
    require_role(Role.MANAGER)
    # The list page's own filter form, so the PDF keeps exactly what it shows.
    filters = list_filters(filter_form())
    return list_context.build_development_list_report(current_org_id(), filters)


@bp.get("/development/report.pdf")
def development_pdf():
    """Download the prioritised development list, with the current filters, as a PDF."""
    report = _development_report()
    return _pdf_response("development_list", report, "development-list.pdf")


@bp.get("/development/report")
def development_preview():
    """Show the development list report as HTML."""
    return _preview("development_list", _development_report())


def _journey_map() -> map_context.JourneyMapReport:
    """Build the map of ?journey= over ?start=…&end= (the dashboard's defaults)."""
    require_role(Role.MANAGER)
    journey_id = request.args.get("journey", type=int)
    if not journey_id:
        abort(404)
    form = DashboardForm(request.args)
    form.journey.choices = [(journey_id, "")]  # ownership is checked by the query
    start, end = dashboard_period(form)
    report = map_context.build_journey_map(current_org_id(), journey_id, start, end)
    if report is None:  # another organisation's journey answers like a missing one
        abort(404)
    return report


@bp.get("/development/journey-map.pdf")
def journey_map_pdf():
    """Download the journey map (A3 landscape) of one journey and period."""
    report = _journey_map()
    return _pdf_response("journey_map", report, "journey-map.pdf")


@bp.get("/development/journey-map")
def journey_map_preview():
    """Show the journey map as HTML."""
    return _preview("journey_map", _journey_map())
