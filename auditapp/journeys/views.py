"""Journey designer pages for journeys and stages: managers and admins only."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from auditapp.auth.models import User
from auditapp.core.errors import DomainError
from auditapp.core.forms import ActionForm
from auditapp.core.tenancy import current_org_id
from auditapp.extensions import db
from auditapp.journeys import services, transfer
from auditapp.journeys.blueprint import bp, journey_for, loaded, stage_for
from auditapp.journeys.forms import (
    ImportForm,
    JourneyForm,
    StageForm,
)
from auditapp.journeys.models import (
    CHANNEL_LABELS,
    Journey,
    JourneyChange,
    Stage,
    Touchpoint,
)

CHANGE_LABELS = {
    "journey.create": _l("Journey created"),
    "journey.update": _l("Journey details changed"),
    "journey.archive": _l("Journey archived"),
    "journey.restore": _l("Journey restored"),
    "stage.create": _l("Stage added"),
    "stage.update": _l("Stage renamed"),
    "stage.delete": _l("Stage deleted"),
    "stage.move": _l("Stage moved"),
    "touchpoint.create": _l("Touchpoint added"),
    "touchpoint.update": _l("Touchpoint changed"),
    "touchpoint.delete": _l("Touchpoint deleted"),
    "touchpoint.move": _l("Touchpoint moved"),
    "expectation.create": _l("Expectation added"),
    "expectation.update": _l("Expectation changed"),
    "expectation.delete": _l("Expectation deleted"),
    "expectation.move": _l("Expectation moved"),
}


@bp.get("/journeys")
def index():
    """List the organisation's journeys, active first."""
    counts = (
        select(Stage.journey_id, func.count(Touchpoint.id).label("n"))
        .join(Touchpoint, Touchpoint.stage_id == Stage.id)
        .where(Stage.org_id == current_org_id())
        .group_by(Stage.journey_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Journey, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.journey_id == Journey.id)
        .where(Journey.org_id == current_org_id())
        .order_by(Journey.archived_at.is_not(None), Journey.name)
    ).all()
    return render_template("journeys/index.html", rows=rows, action_form=ActionForm())


@bp.route("/journeys/new", methods=["GET", "POST"])
def create():
    """Create a journey with the three default stages."""
    form = JourneyForm()
    if not form.validate_on_submit():
        return render_template("journeys/edit.html", form=form, journey=None), (
            422 if form.is_submitted() else 200
        )
    journey = services.create_journey(
        current_org_id(),
        name=form.name.data,
        description=form.description.data or "",
        actor=current_user,
    )
    db.session.commit()
    flash(_("Journey created. Add touchpoints to its stages."), "success")
    return redirect(url_for(".show", journey_id=journey.id), code=303)


@bp.get("/journeys/<int:journey_id>")
def show(journey_id: int):
    """Show the designer: stages, touchpoints and what can be done to them."""
    journey = loaded(journey_for(journey_id, editable=False))
    return render_template(
        "journeys/show.html",
        journey=journey,
        stage_form=StageForm(),
        action_form=ActionForm(),
        channel_labels=CHANNEL_LABELS,
    )


@bp.route("/journeys/<int:journey_id>/edit", methods=["GET", "POST"])
def edit(journey_id: int):
    """Edit a journey's name and description."""
    journey = journey_for(journey_id)
    form = JourneyForm(obj=journey)
    if not form.validate_on_submit():
        return render_template("journeys/edit.html", form=form, journey=journey), (
            422 if form.is_submitted() else 200
        )
    services.update_journey(
        journey,
        name=form.name.data,
        description=form.description.data or "",
        actor=current_user,
    )
    db.session.commit()
    return redirect(url_for(".show", journey_id=journey.id), code=303)


@bp.post("/journeys/<int:journey_id>/<any(archive, restore):action>")
def set_archived(journey_id: int, action: str):
    """Archive a journey (kept with its audits) or restore it."""
    journey = journey_for(journey_id, editable=False)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_archived(journey, archived=action == "archive", actor=current_user)
    db.session.commit()
    return redirect(url_for(".show", journey_id=journey.id), code=303)


@bp.post("/journeys/<int:journey_id>/delete")
def delete(journey_id: int):
    """Delete a journey that has never been audited."""
    journey = journey_for(journey_id, editable=False)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_journey(journey)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(
            _("This journey has audits, so it cannot be deleted. Archive it instead.")
        ) from None
    flash(_("Journey deleted."), "info")
    return redirect(url_for(".index"), code=303)


@bp.get("/journeys/<int:journey_id>/history")
def history(journey_id: int):
    """Show who changed what and when."""
    journey = journey_for(journey_id, editable=False)
    changes = db.session.execute(
        select(JourneyChange, User.name)
        .outerjoin(User, User.id == JourneyChange.user_id)
        .where(
            JourneyChange.journey_id == journey.id,
            JourneyChange.org_id == current_org_id(),
        )
        .order_by(JourneyChange.id.desc())
        .limit(500)
    ).all()
    return render_template(
        "journeys/history.html",
        journey=journey,
        changes=changes,
        change_label=lambda action: CHANGE_LABELS.get(action, action),
    )


@bp.get("/journeys/<int:journey_id>/export.json")
def export(journey_id: int):
    """Download the journey as a JSON file."""
    journey = loaded(journey_for(journey_id, editable=False))
    body = json.dumps(transfer.export_journey(journey), ensure_ascii=False, indent=2)
    filename = f"journey-{journey.id}-v{journey.version}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/journeys/import", methods=["GET", "POST"])
def import_():
    """Create a journey from an exported file; a bad file changes nothing."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("journeys/import.html", form=form), (
            422 if form.is_submitted() else 200
        )
    limit = current_app.config["JOURNEY_IMPORT_MAX_BYTES"]
    try:
        checked = transfer.parse_journey_file(
            form.file.data.stream.read(limit + 1), max_bytes=limit
        )
        journey = transfer.import_journey(current_org_id(), checked, actor=current_user)
    except transfer.JourneyFileError as error:
        db.session.rollback()
        form.file.errors = [str(error)]
        return render_template("journeys/import.html", form=form), 422
    db.session.commit()
    flash(_("Journey imported."), "success")
    return redirect(url_for(".show", journey_id=journey.id), code=303)


@bp.post("/journeys/<int:journey_id>/stages")
def add_stage(journey_id: int):
    """Append a stage."""
    journey = journey_for(journey_id)
    form = StageForm()
    if not form.validate_on_submit():
        for error in form.name.errors:
            flash(error, "error")
        return redirect(url_for(".show", journey_id=journey.id), code=303)
    services.add_stage(journey, name=form.name.data, actor=current_user)
    db.session.commit()
    return redirect(url_for(".show", journey_id=journey.id, _anchor="stages"), code=303)


@bp.route("/stages/<int:stage_id>/edit", methods=["GET", "POST"])
def edit_stage(stage_id: int):
    """Rename a stage."""
    stage, journey = stage_for(stage_id)
    form = StageForm(obj=stage)
    if not form.validate_on_submit():
        return render_template(
            "journeys/stage_edit.html",
            form=form,
            stage=stage,
            journey=journey,
            csrf_form=ActionForm(),
        ), (422 if form.is_submitted() else 200)
    services.rename_stage(stage, journey, name=form.name.data, actor=current_user)
    db.session.commit()
    return redirect(url_for(".show", journey_id=journey.id), code=303)
