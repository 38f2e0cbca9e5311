"""Designer pages for touchpoints and expectations, and moving or deleting items."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from auditapp.core.forms import ActionForm
from auditapp.core.tenancy import current_org_id, get_in_org_or_404
from auditapp.extensions import db
from auditapp.journeys import services
from auditapp.journeys.blueprint import bp, stage_for, touchpoint_for
from auditapp.journeys.forms import (
    ExpectationForm,
    MoveForm,
    TouchpointForm,
)
from auditapp.journeys.models import (
    Channel,
    Expectation,
    Touchpoint,
)


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
    stage, journey = stage_for(stage_id)
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
    touchpoint, stage, journey = touchpoint_for(touchpoint_id)
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
    touchpoint, stage, journey = touchpoint_for(touchpoint_id)
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
    touchpoint, stage, journey = touchpoint_for(expectation.touchpoint_id)
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
        stage, journey = stage_for(item_id)
        return stage, journey, url_for(".show", journey_id=journey.id, _anchor="stages")
    if kind == "touchpoints":
        touchpoint, _stage_, journey = touchpoint_for(item_id)
        back = url_for(".show", journey_id=journey.id, _anchor=f"stage-{_stage_.id}")
        return touchpoint, journey, back
    expectation = get_in_org_or_404(Expectation, item_id)
    touchpoint, _stage_, journey = touchpoint_for(expectation.touchpoint_id)
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
