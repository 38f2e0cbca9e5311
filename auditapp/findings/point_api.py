"""Sync endpoints that read an audit with its friction points, and edit or delete a
friction point from a device (adds routes to the findings API blueprint).

An edit or a delete names the friction point by its client UUID and carries the
version it was based on: a stale one answers 409 with the server's state, so the
device can show both. Deleting a friction point that is already gone is a success,
so a replayed delete never turns into an error (reliability.md 42).
"""

from __future__ import annotations

import uuid

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auditapp.audits import services as audits
from auditapp.audits.access import can_see
from auditapp.audits.models import Audit
from auditapp.audits.serialise import audit_state
from auditapp.core import payload as p
from auditapp.core.sync import SyncError, error_response, handle
from auditapp.core.tenancy import Role, current_org_id, require_role
from auditapp.extensions import db
from auditapp.findings import services
from auditapp.findings.api import SEVERITIES, bp
from auditapp.findings.models import DESCRIPTION_MAX, TITLE_MAX, FrictionPoint


def point_state(point: FrictionPoint, position: int) -> dict:
    """Return a friction point (photos loaded) as the device keeps it."""
    return {
        "client_uuid": str(point.client_uuid),
        "id": point.id,
        "position": position,
        "title": point.title,
        "description": point.description,
        "severity": point.severity,
        "version": point.version,
        "photos": [
            {"client_uuid": key, "id": photo and photo.id, "exists": photo is not None}
            for key, photo in point.photo_slots()
        ],
    }


def audit_points(audit: Audit) -> list[dict]:
    """Return the friction points of an audit (visits loaded), oldest first."""
    positions = {v.id: v.position for v in audit.visits}
    points = db.session.execute(
        select(FrictionPoint)
        .where(FrictionPoint.audit_id == audit.id, FrictionPoint.org_id == audit.org_id)
        .options(selectinload(FrictionPoint.photos))
        .order_by(FrictionPoint.id)
    ).scalars()
    return [point_state(point, positions[point.visit_id]) for point in points]


@bp.get("/v1/audits/<audit_uuid>")
@login_required
def audit(audit_uuid: str):
    """Return an audit's state: visits with versions and answers, friction points."""
    require_role(Role.AUDITOR)
    try:
        client_uuid = uuid.UUID(audit_uuid)
    except ValueError:
        abort(404)  # a malformed UUID answers like a missing or foreign one
    found = audits.audit_by_client_uuid(current_org_id(), client_uuid)
    if found is None or not can_see(found):
        abort(404)
    loaded = audits.load_audit(current_org_id(), found.id)
    return jsonify({**audit_state(loaded), "friction_points": audit_points(loaded)})


def _request(kind: str):
    data, req = p.sync_request(kind)
    return data, req, p.uuid_field(data, "friction_point_uuid")


def _point(point_uuid: uuid.UUID) -> tuple[FrictionPoint | None, Audit | None]:
    point = db.session.execute(
        select(FrictionPoint)
        .where(
            FrictionPoint.org_id == current_org_id(),
            FrictionPoint.client_uuid == point_uuid,
        )
        .options(selectinload(FrictionPoint.photos))
    ).scalar_one_or_none()
    if point is None:
        return None, None
    return point, audits.load_audit(current_org_id(), point.audit_id)


def _check_base(point: FrictionPoint, audit: Audit, base_version: int) -> None:
    audits.check_can_edit(audit, current_user)
    if point.version != base_version:
        position = next(v.position for v in audit.visits if v.id == point.visit_id)
        raise SyncError(
            409,
            "stale",
            _("This friction point was changed elsewhere in the meantime."),
            current=point_state(point, position),
        )


@bp.post("/v1/friction-point-edits")
@login_required
def edit_friction_point():
    """Change a friction point's texts and severity, based on a version (idempotent)."""
    require_role(Role.AUDITOR)
    try:
        data, req, point_uuid = _request("friction_point_edit")
        base_version = p.int_field(data, "base_version", low=1)
        texts = {
            "title": p.text_field(data, "title", max_length=TITLE_MAX, required=True),
            "description": p.text_field(
                data, "description", max_length=DESCRIPTION_MAX
            ),
            "severity": p.choice_field(data, "severity", SEVERITIES),
        }
    except SyncError as error:
        return error_response(error)
    return handle(req, lambda: _edit(req, point_uuid, base_version, texts))


def _edit(req, point_uuid, base_version, texts):
    point, audit = _point(point_uuid)
    if point is None:
        raise SyncError(409, "deleted", _("This friction point was deleted."))
    _check_base(point, audit, base_version)
    services.update_friction_point(point, audit, author=current_user, **texts)
    return {
        "client_uuid": str(req.client_uuid),
        "friction_point_uuid": str(point_uuid),
        "id": point.id,
        "version": point.version,
    }


@bp.post("/v1/friction-point-deletions")
@login_required
def delete_friction_point():
    """Delete a friction point and its photos, based on a version (idempotent)."""
    require_role(Role.AUDITOR)
    try:
        data, req, point_uuid = _request("friction_point_delete")
        base_version = p.int_field(data, "base_version", low=1)
    except SyncError as error:
        return error_response(error)
    keys: list[str] = []
    response = handle(req, lambda: _delete(req, point_uuid, base_version, keys))
    if response.status_code == 201:
        services.discard_files(services.photo_store(), keys)  # after the commit
    return response


def _delete(req, point_uuid, base_version, keys: list[str]):
    point, audit = _point(point_uuid)
    if point is not None:
        _check_base(point, audit, base_version)
        keys += services.delete_friction_point(
            point, audit, author=current_user, store=services.photo_store()
        )
    # Already gone (deleted online, or by an earlier copy of a delete): done.
    return {
        "client_uuid": str(req.client_uuid),
        "friction_point_uuid": str(point_uuid),
        "deleted": True,
    }
