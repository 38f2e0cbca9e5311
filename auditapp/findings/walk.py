"""The touchpoint screen: checklist, notes, emotion, time, and its friction points."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auditapp.audits import queries, services
from auditapp.audits.access import audit_for_viewer
from auditapp.audits.checklist import build_checklist_form, fill_from_visit
from auditapp.audits.models import TouchpointVisit
from auditapp.core.sync import device_times
from auditapp.core.tenancy import get_in_org_or_404
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint

bp = Blueprint("walk", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Auditors walk; managers may look."""


def _visit(visit_id: int) -> tuple[TouchpointVisit, object]:
    visit = get_in_org_or_404(TouchpointVisit, visit_id)
    audit = audit_for_viewer(visit.audit_id)
    visit = db.session.execute(
        select(TouchpointVisit)
        .where(TouchpointVisit.id == visit.id)
        .options(selectinload(TouchpointVisit.answers))
    ).scalar_one()
    return visit, audit


def _friction_points(visit: TouchpointVisit) -> list[FrictionPoint]:
    return list(
        db.session.execute(
            select(FrictionPoint)
            .where(
                FrictionPoint.visit_id == visit.id, FrictionPoint.org_id == visit.org_id
            )
            .options(selectinload(FrictionPoint.photos))
            .order_by(FrictionPoint.id)
        ).scalars()
    )


def _page(form, visit, audit, *, status=200):
    index = queries.visit_index(visit.audit_id, visit.org_id)
    previous_id, next_id = queries.neighbours(index, visit.id)
    answered, total = queries.progress(audit)
    points = _friction_points(visit)
    return render_template(
        "findings/visit.html",
        form=form,
        visit=visit,
        audit=audit,
        previous_id=previous_id,
        next_id=next_id,
        count=len(index),
        index=index,
        answered=answered,
        total=total,
        friction_points=points,
        device_times=device_times(visit.org_id, [p.client_uuid for p in points]),
        editable=audit.status.editable and audit.auditor_id == current_user.id,
    ), status


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
def visit(visit_id: int):
    """Show a touchpoint of an audit; save what the auditor entered."""
    visit, audit = _visit(visit_id)
    form = build_checklist_form(visit)()
    if not form.is_submitted():
        fill_from_visit(form, visit)
        return _page(form, visit, audit)
    if not form.validate():
        if _wants_json():
            return jsonify(ok=False, errors=form.errors), 422
        return _page(form, visit, audit, status=422)
    services.save_visit(
        visit,
        audit,
        actor=current_user,
        data=services.VisitInput(
            ratings=form.ratings(),
            happened=form.happened.data or "",
            emotion=form.emotion_value(),
            response_seconds=form.response_total(),
        ),
    )
    db.session.commit()
    if _wants_json():
        answered, total = queries.progress(audit)
        label = _("%(answered)d of %(total)d answered", answered=answered, total=total)
        return jsonify(
            ok=True,
            answered=answered,
            total=total,
            label=label,
            version=visit.version,
        )
    target = request.form.get("go")
    if target == "next":
        index = queries.visit_index(visit.audit_id, visit.org_id)
        _previous, next_id = queries.neighbours(index, visit.id)
        if next_id:
            return redirect(url_for(".visit", visit_id=next_id), code=303)
        return redirect(url_for("audits.show", audit_id=audit.id), code=303)
    return redirect(url_for(".visit", visit_id=visit.id), code=303)
