"""JSON sync endpoints for audits made or walked offline (the device's outbox).

Every write carries a client UUID and is idempotent by it (core/sync.py). Records
the device made refer to each other by those UUIDs, never by server ids, because a
device that is offline has none.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from auditapp.audits import services
from auditapp.audits.models import (
    HAPPENED_MAX,
    LOCATION_MAX,
    Audit,
    Rating,
    TouchpointVisit,
)
from auditapp.audits.serialise import audit_state, journey_snapshot, visit_state
from auditapp.core import payload as p
from auditapp.core.sync import SyncError, error_response, handle
from auditapp.core.tenancy import (
    Role,
    current_org_id,
    get_in_org_or_404,
    require_role,
)
from auditapp.extensions import db
from auditapp.journeys.models import Journey, Persona
from auditapp.journeys.services import load_journey

bp = Blueprint("audits_api", __name__, url_prefix="/api/v1")

RATINGS = {r.value for r in Rating}
MAX_ANSWERS = 500


@bp.before_request
@login_required
def _signed_in():
    """Every endpoint needs a member; without one it answers 401 JSON."""
    require_role(Role.AUDITOR)


@bp.get("/journeys")
def journeys():
    """List the journeys an audit can be started from (to keep them for offline)."""
    rows = db.session.execute(
        select(Journey.id, Journey.name, Journey.version)
        .where(Journey.org_id == current_org_id(), Journey.archived_at.is_(None))
        .order_by(Journey.name)
    ).all()
    return jsonify(
        journeys=[{"id": r.id, "name": r.name, "version": r.version} for r in rows],
        personas=_personas(),
    )


def _personas() -> list[dict]:
    """Return the organisation's personas, so that an audit can start as one offline."""
    rows = db.session.execute(
        select(Persona.id, Persona.name)
        .where(Persona.org_id == current_org_id(), Persona.archived_at.is_(None))
        .order_by(Persona.name)
    ).all()
    return [{"id": r.id, "name": r.name} for r in rows]


@bp.get("/audits")
def my_audits():
    """List the signed-in auditor's audits that can still be walked."""
    return jsonify(audits=services.open_audit_uuids(current_org_id(), current_user.id))


@bp.get("/journeys/<int:journey_id>")
def journey(journey_id: int):
    """Return what a device needs to start and walk an audit of a journey offline."""
    found = load_journey(current_org_id(), get_in_org_or_404(Journey, journey_id).id)
    if found.archived:
        abort(404)
    return jsonify({**journey_snapshot(found), "personas": _personas()})


@bp.post("/audits")
def create_audit():
    """Start an audit with the device's UUID (idempotent)."""
    try:
        data, req = p.sync_request("audit")
        fields = {
            "journey_id": p.int_field(data, "journey_id", low=1),
            "journey_version": p.int_field(data, "journey_version", low=1),
            "persona_id": p.int_field(data, "persona_id", low=1, optional=True),
            "location": p.text_field(data, "location", max_length=LOCATION_MAX),
            "audit_date": p.date_field(data, "audit_date"),
        }
    except SyncError as error:
        return error_response(error)
    return handle(req, lambda: _start(req, **fields))


def _start(req, *, journey_id, journey_version, persona_id, location, audit_date):
    journey = load_journey(current_org_id(), journey_id)
    if journey is None:
        raise SyncError(422, "unknown_journey", _("There is no such journey."))
    if journey.version != journey_version:
        # The device's screens were built from another version: its answers would
        # land on the wrong expectations.
        raise SyncError(
            409,
            "journey_changed",
            _("The journey was changed after it was downloaded."),
        )
    persona = None
    if persona_id is not None:
        persona = db.session.execute(
            select(Persona).where(
                Persona.id == persona_id, Persona.org_id == current_org_id()
            )
        ).scalar_one_or_none()
        if persona is None:
            raise SyncError(422, "unknown_persona", _("There is no such persona."))
    started = services.start_audit(
        journey,
        auditor=current_user,
        persona=persona,
        location=location,
        audit_date=audit_date,
        client_uuid=req.client_uuid,
    )
    loaded = services.load_audit(current_org_id(), started.id)
    return {"client_uuid": str(req.client_uuid), **audit_state(loaded, brief=True)}


@bp.post("/visit-saves")
def save_visit():
    """Store one touchpoint screen's answers, based on a known version (idempotent)."""
    try:
        data, req = p.sync_request("visit_save")
        target = (p.uuid_field(data, "audit_uuid"), p.int_field(data, "position"))
        base_version = p.int_field(data, "base_version", low=1)
        visit_input = _visit_input(data)
    except SyncError as error:
        return error_response(error)
    return handle(req, lambda: _save(req, target, base_version, visit_input))


def _visit_input(data: dict) -> tuple[dict[int, Rating | None], services.VisitInput]:
    ratings = data.get("ratings")
    if not isinstance(ratings, dict) or len(ratings) > MAX_ANSWERS:
        raise p.invalid("ratings", _("must map answer positions to ratings"))
    by_position = {}
    for key, value in ratings.items():
        known = value is None or (isinstance(value, str) and value in RATINGS)
        if not key.isdigit() or len(key) > 4 or not known:
            raise p.invalid("ratings", _("must map answer positions to ratings"))
        by_position[int(key)] = Rating(value) if value else None
    return by_position, dict(
        happened=p.text_field(data, "happened", max_length=HAPPENED_MAX),
        emotion=p.int_field(data, "emotion", low=-2, high=2, optional=True),
        response_seconds=p.int_field(
            data, "response_seconds", high=10_080 * 60, optional=True
        ),
    )


def _visit_for(audit_uuid, position) -> tuple[TouchpointVisit, Audit]:
    audit = services.audit_by_client_uuid(current_org_id(), audit_uuid)
    if audit is None or audit.auditor_id != current_user.id:
        # Not here yet: the audit itself may still be on its way from the device.
        raise SyncError(
            409, "parent_missing", _("The audit has not arrived yet."), retryable=True
        )
    loaded = services.load_audit(current_org_id(), audit.id)
    visits = [v for v in loaded.visits if v.position == position]
    if not visits:
        raise SyncError(
            422, "unknown_touchpoint", _("The audit has no such touchpoint.")
        )
    return visits[0], loaded


def _save(req, target, base_version, visit_input):
    visit, audit = _visit_for(*target)
    by_position, fields = visit_input
    ratings = {
        a.id: by_position[a.position]
        for a in visit.answers
        if a.position in by_position
    }
    try:
        services.save_visit(
            visit,
            audit,
            actor=current_user,
            data=services.VisitInput(ratings=ratings, **fields),
            base_version=base_version,
        )
    except services.StaleEdit as error:
        raise SyncError(409, "stale", str(error), current=visit_state(visit)) from None
    return {
        "client_uuid": str(req.client_uuid),
        "audit_uuid": str(audit.client_uuid),
        "visit_id": visit.id,
        "position": visit.position,
        "version": visit.version,
    }


@bp.post("/submissions")
def submit():
    """Hand an audit in for review (idempotent by the submission's UUID)."""
    try:
        data, req = p.sync_request("submission")
        audit_uuid = p.uuid_field(data, "audit_uuid")
    except SyncError as error:
        return error_response(error)
    return handle(req, lambda: _submit(req, audit_uuid))


def _submit(req, audit_uuid):
    audit = services.audit_by_client_uuid(current_org_id(), audit_uuid)
    if audit is None or audit.auditor_id != current_user.id:
        raise SyncError(
            409, "parent_missing", _("The audit has not arrived yet."), retryable=True
        )
    loaded = services.load_audit(current_org_id(), audit.id)
    services.submit_audit(loaded, actor=current_user)
    return {
        "client_uuid": str(req.client_uuid),
        "audit_uuid": str(audit_uuid),
        "id": loaded.id,
        "status": loaded.status.value,
    }
