"""Audit pages: list, start, overview with scores, submit and review."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from auditapp.audits import queries, scoring, services
from auditapp.audits.access import audit_for_viewer
from auditapp.audits.charts import emotion_curve
from auditapp.audits.forms import ReturnForm, StartAuditForm
from auditapp.audits.models import AuditStatus
from auditapp.core.errors import DomainError
from auditapp.core.forms import ActionForm
from auditapp.core.sync import device_times
from auditapp.core.tenancy import (
    Role,
    current_org_id,
    current_role,
    get_in_org_or_404,
    require_role,
)
from auditapp.extensions import db
from auditapp.journeys.models import Journey, Persona
from auditapp.journeys.services import load_journey

bp = Blueprint("audits", __name__, url_prefix="/audits")


@bp.before_request
@login_required
def _signed_in():
    """Every audit page needs a member; roles are checked per view."""


@bp.get("")
def index():
    """My audits, and for managers the ones waiting for review and all others."""
    mine = queries.audit_rows(current_org_id(), auditor_id=current_user.id)
    review = everything = []
    if current_role().includes(Role.MANAGER):
        review = queries.audit_rows(current_org_id(), statuses=(AuditStatus.SUBMITTED,))
        everything = queries.audit_rows(current_org_id())
    return render_template(
        "audits/index.html", mine=mine, review=review, everything=everything
    )


def _start_form() -> StartAuditForm:
    form = StartAuditForm()
    journeys = db.session.execute(
        select(Journey.id, Journey.name)
        .where(Journey.org_id == current_org_id(), Journey.archived_at.is_(None))
        .order_by(Journey.name)
    ).all()
    personas = db.session.execute(
        select(Persona.id, Persona.name)
        .where(Persona.org_id == current_org_id(), Persona.archived_at.is_(None))
        .order_by(Persona.name)
    ).all()
    form.journey.choices = [(j.id, j.name) for j in journeys]
    form.persona.choices = [(0, _("No persona"))] + [(p.id, p.name) for p in personas]
    if not form.is_submitted():
        form.audit_date.data = date.today()
        if request.args.get("journey", type=int):
            form.journey.data = request.args.get("journey", type=int)
    return form


@bp.route("/new", methods=["GET", "POST"])
def start():
    """Choose a journey (and persona, place, date) and start walking it."""
    form = _start_form()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("audits/start.html", form=form), status
    journey = load_journey(current_org_id(), form.journey.data)
    persona = (
        get_in_org_or_404(Persona, form.persona.data) if form.persona.data else None
    )
    if journey is None:
        abort(404)
    try:
        audit = services.start_audit(
            journey,
            auditor=current_user,
            persona=persona,
            location=form.location.data or "",
            audit_date=form.audit_date.data,
        )
    except DomainError as error:
        db.session.rollback()
        form.journey.errors = [str(error)]
        return render_template("audits/start.html", form=form), 422
    db.session.commit()
    first = services.load_audit(current_org_id(), audit.id).visits[0]
    return redirect(url_for("walk.visit", visit_id=first.id), code=303)


@bp.get("/<int:audit_id>")
def show(audit_id: int):
    """Progress, scores, emotion curve, status log, and submit or review."""
    audit = services.load_audit(current_org_id(), audit_for_viewer(audit_id).id)
    visit_scores = {
        v.id: scoring.score(a.rating for a in v.answers) for v in audit.visits
    }
    stages: dict[tuple[int, str], list] = {}
    for visit in audit.visits:
        stages.setdefault((visit.stage_position, visit.stage_name), []).append(visit)
    stage_scores = {
        key: scoring.total(visit_scores[v.id] for v in visits)
        for key, visits in stages.items()
    }
    return render_template(
        "audits/show.html",
        audit=audit,
        stages=stages,
        visit_scores=visit_scores,
        stage_scores=stage_scores,
        overall=scoring.total(visit_scores.values()),
        unanswered=services.unanswered(audit),
        events=queries.audit_events(audit),
        curve=emotion_curve(audit.visits),
        can_edit=audit.auditor_id == current_user.id and audit.status.editable,
        can_review=current_role().includes(Role.MANAGER)
        and audit.status is AuditStatus.SUBMITTED,
        action_form=ActionForm(),
        return_form=ReturnForm(formdata=None),
        device_time=device_times(audit.org_id, [audit.client_uuid]).get(
            audit.client_uuid
        ),
    )


@bp.post("/<int:audit_id>/submit")
def submit(audit_id: int):
    """Hand the audit in; unanswered expectations are listed on the page."""
    audit = services.load_audit(current_org_id(), audit_for_viewer(audit_id).id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.submit_audit(audit, actor=current_user)
    db.session.commit()
    return redirect(url_for(".show", audit_id=audit.id), code=303)


@bp.post("/<int:audit_id>/approve")
def approve(audit_id: int):
    """Accept a submitted audit (managers)."""
    require_role(Role.MANAGER)
    audit = audit_for_viewer(audit_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.approve_audit(audit, actor=current_user)
    db.session.commit()
    return redirect(url_for(".show", audit_id=audit.id), code=303)


@bp.post("/<int:audit_id>/return")
def return_(audit_id: int):
    """Send a submitted audit back with a comment (managers)."""
    require_role(Role.MANAGER)
    audit = audit_for_viewer(audit_id)
    form = ReturnForm()
    if not form.validate_on_submit():  # CSRF was checked before the view ran
        raise DomainError(_("Say why the audit is returned."))
    services.return_audit(audit, actor=current_user, comment=form.comment.data)
    db.session.commit()
    return redirect(url_for(".show", audit_id=audit.id), code=303)
