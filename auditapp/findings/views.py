"""Friction points and their photos: add, edit, upload, serve, delete."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from auditapp.audits.access import audit_for_viewer
from auditapp.audits.models import Answer, TouchpointVisit
from auditapp.core.forms import ActionForm
from auditapp.core.images import ImageRejected, normalise_photo
from auditapp.core.tenancy import get_in_org_or_404
from auditapp.core.uploads import upload_limit
from auditapp.extensions import db
from auditapp.findings import services
from auditapp.findings.forms import FrictionPointForm, PhotoForm
from auditapp.findings.models import FrictionPoint, Photo

bp = Blueprint("findings", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every findings page needs a member; the audit decides who may see it."""


def _point(point_id: int):
    point = get_in_org_or_404(FrictionPoint, point_id)
    return point, audit_for_viewer(point.audit_id)


def _answer_for(visit: TouchpointVisit, raw: str | None) -> Answer | None:
    if not raw or not raw.isdigit():
        return None
    return db.session.execute(
        select(Answer).where(
            Answer.id == int(raw),
            Answer.visit_id == visit.id,
            Answer.org_id == visit.org_id,
        )
    ).scalar_one_or_none()


def _normalise(upload):
    """Normalise one uploaded file with the configured limits (may raise)."""
    return normalise_photo(
        upload.stream,
        max_pixels=current_app.config["PHOTO_MAX_PIXELS"],
        keep_original=current_app.config["KEEP_ORIGINAL_PHOTOS"],
    )


def _store_uploads(point, audit, files) -> list[str]:
    """Normalise and store each uploaded file; commit each; return error messages."""
    errors, store = [], services.photo_store()
    for upload in files:
        if not upload or not upload.filename:
            continue
        try:
            photo = _normalise(upload)
        except ImageRejected as error:
            errors.append(f"{upload.filename[:80]}: {error}")
            continue
        row = services.attach_photo(
            point,
            audit,
            photo=photo,
            uploader=current_user,
            filename=upload.filename,
            store=store,
        )
        _commit_or_discard(store, [row.key, row.thumb_key, row.original_key])
    return errors


def _commit_or_discard(store, keys) -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        services.discard_files(store, [k for k in keys if k])
        raise


def _after_save(point, visit, audit, form):
    """Store photos of a plain form post, or tell the browser's uploader where to go."""
    back = url_for("walk.visit", visit_id=visit.id, _anchor="friction")
    if request.accept_mimetypes.best == "application/json":
        photos_url = url_for(".upload_photo", point_id=point.id)
        return jsonify(id=point.id, photos_url=photos_url, next=back), 201
    for error in _store_uploads(point, audit, form.photo_files.data or []):
        flash(error, "error")
    flash(_("Friction point saved."), "success")
    return redirect(back, code=303)


@bp.route("/visits/<int:visit_id>/friction/new", methods=["GET", "POST"])
@upload_limit("PHOTO_MAX_BYTES")
def create(visit_id: int):
    """Log a friction point at a touchpoint, with photos."""
    visit = get_in_org_or_404(TouchpointVisit, visit_id)
    audit = audit_for_viewer(visit.audit_id)
    answer = _answer_for(visit, request.values.get("answer"))
    form = FrictionPointForm()
    if not form.is_submitted() and answer is not None:
        form.answer.data = str(answer.id)
        form.title.data = answer.text[:200]
        form.severity.data = "2"
    if not form.validate_on_submit():
        return render_template(
            "findings/edit.html",
            form=form,
            visit=visit,
            audit=audit,
            answer=answer,
            point=None,
        ), (422 if form.is_submitted() else 200)
    point = services.log_friction_point(
        visit,
        audit,
        author=current_user,
        title=form.title.data,
        description=form.description.data or "",
        severity=form.severity_value,
        answer=answer,
    )
    db.session.commit()
    return _after_save(point, visit, audit, form)


@bp.route("/friction/<int:point_id>", methods=["GET", "POST"])
@upload_limit("PHOTO_MAX_BYTES")
def edit(point_id: int):
    """Edit a friction point and add photos to it."""
    point, audit = _point(point_id)
    visit = get_in_org_or_404(TouchpointVisit, point.visit_id)
    form = FrictionPointForm(obj=point)
    if not form.is_submitted():
        form.severity.data = str(point.severity)
    photos = (
        db.session.execute(
            select(Photo)
            .where(Photo.friction_point_id == point.id, Photo.org_id == point.org_id)
            .order_by(Photo.id)
        )
        .scalars()
        .all()
    )
    if not form.validate_on_submit():
        return render_template(
            "findings/edit.html",
            form=form,
            visit=visit,
            audit=audit,
            answer=None,
            point=point,
            photos=photos,
            action_form=ActionForm(),
        ), (422 if form.is_submitted() else 200)
    services.update_friction_point(
        point,
        audit,
        author=current_user,
        title=form.title.data,
        description=form.description.data or "",
        severity=form.severity_value,
    )
    db.session.commit()
    return _after_save(point, visit, audit, form)


@bp.post("/friction/<int:point_id>/delete")
def delete(point_id: int):
    """Delete a friction point and its photos."""
    point, audit = _point(point_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    visit_id, store = point.visit_id, services.photo_store()
    keys = services.delete_friction_point(
        point, audit, author=current_user, store=store
    )
    db.session.commit()
    services.discard_files(store, keys)
    flash(_("Friction point deleted."), "info")
    return redirect(
        url_for("walk.visit", visit_id=visit_id, _anchor="friction"), code=303
    )


@bp.post("/friction/<int:point_id>/photos")
@upload_limit("PHOTO_MAX_BYTES")
def upload_photo(point_id: int):
    """Add one photo (the browser's upload with progress); answers JSON."""
    point, audit = _point(point_id)
    form = PhotoForm()
    files = [f for f in (form.photo.data or []) if f and f.filename]
    if len(files) != 1:
        return jsonify(error="bad_request", message=_("Send one photo.")), 400
    try:
        photo = _normalise(files[0])
    except ImageRejected as error:
        return jsonify(error="rejected", message=str(error)), error.status
    store = services.photo_store()
    row = services.attach_photo(
        point,
        audit,
        photo=photo,
        uploader=current_user,
        filename=files[0].filename,
        store=store,
    )
    _commit_or_discard(store, [row.key, row.thumb_key, row.original_key])
    return jsonify(
        id=row.id,
        sha256=row.sha256,
        width=row.width,
        height=row.height,
        thumb_url=url_for(".photo", photo_id=row.id, variant="thumb"),
        url=url_for(".photo", photo_id=row.id, variant="display"),
    ), 201


@bp.post("/photos/<int:photo_id>/delete")
def delete_photo(photo_id: int):
    """Remove one photo from a friction point."""
    photo = get_in_org_or_404(Photo, photo_id)
    point, audit = _point(photo.friction_point_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    keys = services.delete_photo(photo, audit, author=current_user)
    db.session.commit()
    services.discard_files(services.photo_store(), keys)
    return redirect(url_for(".edit", point_id=point.id), code=303)


@bp.get("/photos/<int:photo_id>/<any(display, thumb):variant>")
def photo(photo_id: int, variant: str):
    """Serve a photo's bytes to members who may see its audit; never as uploaded."""
    photo = get_in_org_or_404(Photo, photo_id)
    _point(photo.friction_point_id)
    key = photo.key if variant == "display" else photo.thumb_key
    with services.photo_store().open(key) as fh:
        data = fh.read()
    return Response(
        data,
        mimetype="image/jpeg",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Content-Disposition": f'inline; filename="photo-{photo.id}.jpg"',
            "X-Content-Type-Options": "nosniff",
        },
    )
