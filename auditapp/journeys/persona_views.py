"""Persona (customer profile) pages: managers and admins only."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy import select

from auditapp.core.forms import ActionForm
from auditapp.core.tenancy import Role, current_org_id, get_in_org_or_404, require_role
from auditapp.extensions import db
from auditapp.journeys import services
from auditapp.journeys.forms import PersonaForm
from auditapp.journeys.models import Persona

bp = Blueprint("personas", __name__, url_prefix="/personas")


@bp.before_request
@login_required
def _designers_only():
    require_role(Role.MANAGER)


def _data(form: PersonaForm) -> services.PersonaData:
    return services.PersonaData(
        name=form.name.data,
        description=form.description.data or "",
        goal=form.goal.data or "",
        values=form.values.data or "",
        why_buy=form.why_buy.data or "",
    )


@bp.get("")
def index():
    """List personas, active first."""
    personas = (
        db.session.execute(
            select(Persona)
            .where(Persona.org_id == current_org_id())
            .order_by(Persona.archived_at.is_not(None), Persona.name)
        )
        .scalars()
        .all()
    )
    return render_template(
        "journeys/personas.html", personas=personas, action_form=ActionForm()
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Describe a new customer profile."""
    form = PersonaForm()
    if not form.validate_on_submit():
        return render_template("journeys/persona_edit.html", form=form, persona=None), (
            422 if form.is_submitted() else 200
        )
    services.save_persona(current_org_id(), data=_data(form))
    db.session.commit()
    return redirect(url_for(".index"), code=303)


@bp.route("/<int:persona_id>", methods=["GET", "POST"])
def edit(persona_id: int):
    """Edit a customer profile."""
    persona = get_in_org_or_404(Persona, persona_id)
    form = PersonaForm(obj=persona)
    if not form.validate_on_submit():
        return render_template(
            "journeys/persona_edit.html", form=form, persona=persona
        ), (422 if form.is_submitted() else 200)
    services.save_persona(current_org_id(), data=_data(form), persona=persona)
    db.session.commit()
    return redirect(url_for(".index"), code=303)


@bp.post("/<int:persona_id>/<any(archive, restore):action>")
def set_archived(persona_id: int, action: str):
    """Archive a persona (hidden from new audits) or restore it."""
    persona = get_in_org_or_404(Persona, persona_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_persona_archived(persona, archived=action == "archive")
    db.session.commit()
    return redirect(url_for(".index"), code=303)
