"""Journey designer pages: managers and admins only."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
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
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from auditapp.auth.models import User
from auditapp.core.errors import DomainError
from auditapp.core.forms import ActionForm
from auditapp.core.tenancy import Role, current_org_id, get_in_org_or_404, require_role
from auditapp.extensions import db
from auditapp.journeys import services, transfer
from auditapp.journeys.forms import (
    ExpectationForm,
    ImportForm,
    JourneyForm,
    MoveForm,
    StageForm,
    TouchpointForm,
)
from auditapp.journeys.models import (
    CHANNEL_LABELS,
    Channel,
    Expectation,
    Journey,
    JourneyChange,
    Stage,
    Touchpoint,
)

bp = Blueprint("journeys", __name__)

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


@bp.before_request
@login_required
def _designers_only():
    require_role(Role.MANAGER)


def _journey(journey_id: int, *, editable: bool = True) -> Journey:
    journey = get_in_org_or_404(Journey, journey_id)
    if editable and journey.archived:
        raise DomainError(_("This journey is archived. Restore it to edit."))
    return journey


def _stage(stage_id: int) -> tuple[Stage, Journey]:
    stage = get_in_org_or_404(Stage, stage_id)
    return stage, _journey(stage.journey_id)


def _touchpoint(touchpoint_id: int) -> tuple[Touchpoint, Stage, Journey]:
    touchpoint = get_in_org_or_404(Touchpoint, touchpoint_id)
    stage, journey = _stage(touchpoint.stage_id)
    return touchpoint, stage, journey


def _loaded(journey: Journey) -> Journey:
    return services.load_journey(current_org_id(), journey.id)


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
    journey = _loaded(_journey(journey_id, editable=False))
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
    journey = _journey(journey_id)
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
    journey = _journey(journey_id, editable=False)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_archived(journey, archived=action == "archive", actor=current_user)
    db.session.commit()
    return redirect(url_for(".show", journey_id=journey.id), code=303)


@bp.post("/journeys/<int:journey_id>/delete")
def delete(journey_id: int):
    """Delete a journey that has never been audited."""
    journey = _journey(journey_id, editable=False)
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
    journey = _journey(journey_id, editable=False)
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
    journey = _loaded(_journey(journey_id, editable=False))
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
    journey = _journey(journey_id)
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
    stage, journey = _stage(stage_id)
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


def _touchpoint_form_page(
    form, *, stage, journey, touchpoint=None, expectation_form=None, status=200
):
    return render_template(
        "journeys/touchpoint.html",
        form=form,
        stage=stage,
        journey=journey,
        touchpoint=touchpoint,
        expectations=_expectations(touchpoint) if touchpoint else [],
        expectation_form=expectation_form or ExpectationForm(formdata=None),
        action_form=ActionForm(),
        speed_channels=[c.value for c in Channel if c.speed_matters],
    ), status


def _expectations(touchpoint: Touchpoint) -> list[Expectation]:
    return list(
        db.session.execute(
            select(Expectation)
            .where(
                Expectation.touchpoint_id == touchpoint.id,
                Expectation.org_id == current_org_id(),
            )
            .order_by(Expectation.position)
        ).scalars()
    )


def _touchpoint_form_for(touchpoint: Touchpoint, **kwargs) -> TouchpointForm:
    form = TouchpointForm(obj=touchpoint, **kwargs)
    if not form.is_submitted() or kwargs.get("formdata", True) is None:
        form.channel.data = touchpoint.channel.value
        form.criticality.data = str(touchpoint.criticality)
        form.show_target(touchpoint.target_response_seconds)
    return form


def _touchpoint_data(form: TouchpointForm) -> services.TouchpointData:
    return services.TouchpointData(
        name=form.name.data,
        channel=Channel(form.channel.data),
        customer_need=form.customer_need.data or "",
        criticality=int(form.criticality.data),
        target_response_seconds=form.target_seconds,
    )


@bp.route("/stages/<int:stage_id>/touchpoints/new", methods=["GET", "POST"])
def add_touchpoint(stage_id: int):
    """Add a touchpoint to a stage, then go on to its expectations."""
    stage, journey = _stage(stage_id)
    form = TouchpointForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _touchpoint_form_page(form, stage=stage, journey=journey, status=status)
    touchpoint = services.add_touchpoint(
        stage, journey, data=_touchpoint_data(form), actor=current_user
    )
    db.session.commit()
    flash(_("Touchpoint added. Now list what the customer expects here."), "success")
    return redirect(url_for(".touchpoint", touchpoint_id=touchpoint.id), code=303)


@bp.route("/touchpoints/<int:touchpoint_id>", methods=["GET", "POST"])
def touchpoint(touchpoint_id: int):
    """Edit a touchpoint and its expectations."""
    touchpoint, stage, journey = _touchpoint(touchpoint_id)
    form = _touchpoint_form_for(touchpoint)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _touchpoint_form_page(
            form, stage=stage, journey=journey, touchpoint=touchpoint, status=status
        )
    services.update_touchpoint(
        touchpoint, journey, data=_touchpoint_data(form), actor=current_user
    )
    db.session.commit()
    flash(_("Touchpoint saved."), "success")
    return redirect(url_for(".touchpoint", touchpoint_id=touchpoint.id), code=303)


@bp.post("/touchpoints/<int:touchpoint_id>/expectations")
def add_expectation(touchpoint_id: int):
    """Append an expectation to a touchpoint."""
    touchpoint, stage, journey = _touchpoint(touchpoint_id)
    form = ExpectationForm()
    if not form.validate_on_submit():
        return _touchpoint_form_page(
            _touchpoint_form_for(touchpoint, formdata=None),
            stage=stage,
            journey=journey,
            touchpoint=touchpoint,
            expectation_form=form,
            status=422,
        )
    services.add_expectation(
        touchpoint, journey, text=form.text.data, actor=current_user
    )
    db.session.commit()
    return redirect(
        url_for(".touchpoint", touchpoint_id=touchpoint.id, _anchor="expectations"),
        code=303,
    )


@bp.route("/expectations/<int:expectation_id>/edit", methods=["GET", "POST"])
def edit_expectation(expectation_id: int):
    """Change an expectation's text."""
    expectation = get_in_org_or_404(Expectation, expectation_id)
    touchpoint, stage, journey = _touchpoint(expectation.touchpoint_id)
    form = ExpectationForm(obj=expectation)
    if not form.validate_on_submit():
        return render_template(
            "journeys/expectation_edit.html",
            form=form,
            expectation=expectation,
            touchpoint=touchpoint,
            journey=journey,
        ), (422 if form.is_submitted() else 200)
    services.update_expectation(
        expectation, journey, text=form.text.data, actor=current_user
    )
    db.session.commit()
    return redirect(
        url_for(".touchpoint", touchpoint_id=touchpoint.id, _anchor="expectations"),
        code=303,
    )


def _item(kind: str, item_id: int):
    """Return (item, journey, page to go back to) for a stage/touchpoint/expectation."""
    if kind == "stages":
        stage, journey = _stage(item_id)
        return stage, journey, url_for(".show", journey_id=journey.id, _anchor="stages")
    if kind == "touchpoints":
        touchpoint, _stage_, journey = _touchpoint(item_id)
        back = url_for(".show", journey_id=journey.id, _anchor=f"stage-{_stage_.id}")
        return touchpoint, journey, back
    expectation = get_in_org_or_404(Expectation, item_id)
    touchpoint, _stage_, journey = _touchpoint(expectation.touchpoint_id)
    back = url_for(".touchpoint", touchpoint_id=touchpoint.id, _anchor="expectations")
    return expectation, journey, back


_KINDS = "any(stages, touchpoints, expectations)"


@bp.post(f"/<{_KINDS}:kind>/<int:item_id>/move")
def move(kind: str, item_id: int):
    """Move a stage, touchpoint or expectation one step up or down."""
    item, journey, back = _item(kind, item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    offset = -1 if form.direction.data == "up" else 1
    services.move(item, journey, offset=offset, actor=current_user)
    db.session.commit()
    return redirect(back, code=303)


@bp.post(f"/<{_KINDS}:kind>/<int:item_id>/delete")
def delete_item(kind: str, item_id: int):
    """Delete a stage, touchpoint or expectation."""
    item, journey, back = _item(kind, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    remove = {
        "stages": services.delete_stage,
        "touchpoints": services.delete_touchpoint,
        "expectations": services.delete_expectation,
    }[kind]
    remove(item, journey, actor=current_user)
    db.session.commit()
    flash(_("Deleted."), "info")
    if kind == "touchpoints":
        back = url_for(".show", journey_id=journey.id, _anchor="stages")
    return redirect(back, code=303)
