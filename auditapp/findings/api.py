"""JSON sync endpoints for friction points and photos captured offline.

A photo is acknowledged only after its files were fsynced and renamed into place and
its row committed; the answer carries the checksum of the stored file and of the
bytes the device sent (reliability.md I1, I5).
"""

from __future__ import annotations

import hashlib
import io

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from auditapp.audits import services as audits
from auditapp.audits.models import Audit
from auditapp.core import payload as p
from auditapp.core.images import ImageRejected, normalise_photo
from auditapp.core.sync import SyncError, SyncRequest, error_response, handle
from auditapp.core.tenancy import Role, current_org_id, require_role
from auditapp.core.uploads import upload_limit
from auditapp.extensions import db
from auditapp.findings import services
from auditapp.findings.models import DESCRIPTION_MAX, TITLE_MAX, FrictionPoint
from auditapp.findings.openapi import openapi_document

bp = Blueprint("findings_api", __name__, url_prefix="/api")

SEVERITIES = {1, 2, 3, 4}


@bp.get("/openapi.json")
def openapi():
    """Describe the JSON API (OpenAPI 3.1); public, it holds no one's data."""
    return jsonify(openapi_document())


@bp.post("/v1/friction-points")
@login_required
def create_friction_point():
    """Log a friction point at a touchpoint of an audit (idempotent)."""
    require_role(Role.AUDITOR)
    try:
        data, req = p.sync_request("friction_point")
        fields = {
            "audit_uuid": p.uuid_field(data, "audit_uuid"),
            "position": p.int_field(data, "position"),
            "answer_position": p.int_field(data, "answer_position", optional=True),
            "title": p.text_field(data, "title", max_length=TITLE_MAX, required=True),
            "description": p.text_field(
                data, "description", max_length=DESCRIPTION_MAX
            ),
            "severity": p.choice_field(data, "severity", SEVERITIES),
            "declared_photos": p.uuid_list_field(
                data, "photo_uuids", max_items=services.MAX_PHOTOS_PER_FRICTION_POINT
            ),
        }
    except SyncError as error:
        return error_response(error)
    return handle(req, lambda: _log(req, **fields))


def _audit_of_device(audit_uuid) -> Audit:
    audit = audits.audit_by_client_uuid(current_org_id(), audit_uuid)
    if audit is None or audit.auditor_id != current_user.id:
        raise SyncError(
            409, "parent_missing", _("The audit has not arrived yet."), retryable=True
        )
    return audits.load_audit(current_org_id(), audit.id)


def _log(req, *, audit_uuid, position, answer_position, **texts):
    audit = _audit_of_device(audit_uuid)
    visit = next((v for v in audit.visits if v.position == position), None)
    if visit is None:
        raise SyncError(
            422, "unknown_touchpoint", _("The audit has no such touchpoint.")
        )
    answer = next((a for a in visit.answers if a.position == answer_position), None)
    point = services.log_friction_point(
        visit,
        audit,
        author=current_user,
        answer=answer,
        client_uuid=req.client_uuid,
        **texts,
    )
    return {
        "client_uuid": str(req.client_uuid),
        "id": point.id,
        "audit_uuid": str(audit.client_uuid),
        "visit_id": visit.id,
    }


@bp.post("/v1/photos")
@login_required
@upload_limit("PHOTO_MAX_BYTES")
def upload_photo():
    """Store one photo of a friction point (multipart; idempotent)."""
    require_role(Role.AUDITOR)
    upload = request.files.get("photo")
    try:
        form = request.form.to_dict()
        if upload is None or not upload.filename:
            raise p.invalid("photo", _("send one file"))
        source = upload.stream.read()
        source_sha256 = hashlib.sha256(source).hexdigest()
        point_uuid = p.uuid_field(form, "friction_point_uuid")
        # Same photo for the same friction point = a retry, whatever else came along.
        data = {"friction_point_uuid": str(point_uuid), "source_sha256": source_sha256}
        req = SyncRequest(
            p.uuid_field(form, "client_uuid"), "photo", data, p.device_time(form)
        )
        if form.get("sha256") not in (None, "", source_sha256):
            # The body was cut or changed on the way: refuse it, the device retries.
            raise SyncError(
                422,
                "checksum_mismatch",
                _("The photo arrived damaged."),
                retryable=True,
            )
    except SyncError as error:
        return error_response(error)
    saved: list[str] = []
    return handle(
        req,
        lambda: _attach(req, point_uuid, source, upload.filename, saved),
        on_failure=lambda: services.discard_files(services.photo_store(), saved),
    )


def _point_of_device(point_uuid) -> FrictionPoint:
    point = db.session.execute(
        select(FrictionPoint).where(
            FrictionPoint.org_id == current_org_id(),
            FrictionPoint.client_uuid == point_uuid,
        )
    ).scalar_one_or_none()
    if point is None or point.created_by_id != current_user.id:
        raise SyncError(
            409,
            "parent_missing",
            _("The friction point has not arrived yet."),
            retryable=True,
        )
    return point


def _attach(req, point_uuid, source: bytes, filename: str, saved: list[str]):
    point = _point_of_device(point_uuid)
    audit = audits.load_audit(current_org_id(), point.audit_id)
    try:
        photo = normalise_photo(
            io.BytesIO(source),
            max_pixels=current_app.config["PHOTO_MAX_PIXELS"],
            keep_original=current_app.config["KEEP_ORIGINAL_PHOTOS"],
        )
    except ImageRejected as error:
        raise SyncError(error.status, "rejected", str(error)) from None
    row = services.attach_photo(
        point,
        audit,
        photo=photo,
        uploader=current_user,
        filename=filename,
        store=services.photo_store(),
        client_uuid=req.client_uuid,
        source_sha256=req.payload["source_sha256"],
    )
    saved.extend(k for k in (row.key, row.thumb_key, row.original_key) if k)
    return {
        "client_uuid": str(req.client_uuid),
        "id": row.id,
        "friction_point_uuid": str(point_uuid),
        "sha256": row.sha256,
        "source_sha256": row.source_sha256,
        "size": row.size,
    }
