"""The OpenAPI 3.1 description of the JSON sync API, served at /api/openapi.json.

tests/integration/test_openapi.py keeps it in step with the URL map.
"""

from __future__ import annotations

from auditapp.audits.models import HAPPENED_MAX, LOCATION_MAX
from auditapp.findings.models import DESCRIPTION_MAX, TITLE_MAX

UUID = {"type": "string", "format": "uuid"}
ID = {"type": "integer", "minimum": 1}
POSITION = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
#: A friction point's texts and severity, as the API validates them.
TITLE = {"type": "string", "minLength": 1, "maxLength": TITLE_MAX}
DESCRIPTION = {"type": "string", "maxLength": DESCRIPTION_MAX}
SEVERITY = {"type": "integer", "minimum": 1, "maximum": 4}
RATING = {"enum": ["exceeded", "met", "partly", "not_met", "na", None]}
CAPTURED_AT = {
    "type": "string",
    "format": "date-time",
    "description": "the device's clock when captured; kept for review, not trusted",
}


def _obj(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS = {
    "Error": _obj(
        ["error"],
        error={"type": "string", "description": "machine-readable reason"},
        message={"type": "string"},
        retryable={
            "type": "boolean",
            "description": "true: keep the item and send it again later",
        },
        current={"type": "object", "description": "the server's state (409 stale)"},
    ),
    "CsrfToken": _obj(
        ["csrf_token", "user"],
        csrf_token={"type": "string"},
        user={"type": "string", "description": "the signed-in user's id"},
    ),
    "Personas": {
        "type": "array",
        "description": "the organisation's personas, to start an audit as one",
        "items": _obj(["id", "name"], id=ID, name={"type": "string"}),
    },
    "JourneyList": _obj(
        ["journeys", "personas"],
        personas=_ref("Personas"),
        journeys={
            "type": "array",
            "items": _obj(
                ["id", "name", "version"],
                id=ID,
                name={"type": "string"},
                version=ID,
            ),
        },
    ),
    "AuditList": _obj(["audits"], audits={"type": "array", "items": UUID}),
    "JourneySnapshot": _obj(
        ["id", "version", "name", "touchpoints", "personas"],
        personas=_ref("Personas"),
        id=ID,
        version=ID,
        name={"type": "string"},
        touchpoints={
            "type": "array",
            "items": _obj(
                ["position", "stage_name", "name", "channel", "expectations"],
                position=POSITION,
                stage_name={"type": "string"},
                name={"type": "string"},
                channel={"type": "string"},
                customer_need={"type": "string"},
                expectations={"type": "array", "items": {"type": "string"}},
            ),
        },
    ),
    "VisitState": _obj(
        ["id", "position", "version"],
        id=ID,
        position=POSITION,
        version=ID,
        stage_name={"type": "string"},
        name={"type": "string"},
        expectations={"type": "array", "items": {"type": "string"}},
        happened={"type": "string"},
        emotion={"type": ["integer", "null"]},
        response_seconds={"type": ["integer", "null"]},
        ratings={"type": "object", "additionalProperties": RATING},
    ),
    "AuditState": _obj(
        ["audit_uuid", "id", "status", "journey_id", "journey_version", "visits"],
        audit_uuid=UUID,
        client_uuid=UUID,
        id=ID,
        status={"enum": ["in_progress", "submitted", "returned", "approved"]},
        journey_id=ID,
        journey_version=ID,
        journey_name={"type": "string"},
        location={"type": "string"},
        persona_name={"type": ["string", "null"]},
        audit_date={"type": "string", "format": "date"},
        visits={"type": "array", "items": _ref("VisitState")},
        friction_points={"type": "array", "items": _ref("FrictionPointState")},
    ),
    "FrictionPointState": _obj(
        ["client_uuid", "id", "position", "title", "severity", "version", "photos"],
        client_uuid=UUID,
        id=ID,
        position=POSITION,
        title={"type": "string"},
        description={"type": "string"},
        severity=SEVERITY,
        version=ID,
        photos={
            "type": "array",
            "items": _obj(
                ["client_uuid", "exists"],
                client_uuid=UUID,
                id={"type": ["integer", "null"]},
                exists={
                    "type": "boolean",
                    "description": "false: declared by the device, not received yet",
                },
            ),
        },
    ),
    "AuditCreate": _obj(
        ["client_uuid", "journey_id", "journey_version", "audit_date"],
        client_uuid=UUID,
        captured_at=CAPTURED_AT,
        journey_id=ID,
        journey_version=ID,
        persona_id={"type": ["integer", "null"], "minimum": 1},
        location={"type": "string", "maxLength": LOCATION_MAX},
        audit_date={"type": "string", "format": "date"},
    ),
    "VisitSave": _obj(
        ["client_uuid", "audit_uuid", "position", "base_version", "ratings"],
        client_uuid=UUID,
        captured_at=CAPTURED_AT,
        audit_uuid=UUID,
        position=POSITION,
        base_version=ID,
        ratings={
            "type": "object",
            "description": "answer position (0, 1, …) → rating",
            "additionalProperties": RATING,
        },
        happened={"type": "string", "maxLength": HAPPENED_MAX},
        emotion={"type": ["integer", "null"], "minimum": -2, "maximum": 2},
        response_seconds={"type": ["integer", "null"], "minimum": 0},
    ),
    "VisitSaveAck": _obj(
        ["client_uuid", "audit_uuid", "visit_id", "position", "version"],
        client_uuid=UUID,
        audit_uuid=UUID,
        visit_id=ID,
        position=POSITION,
        version=ID,
    ),
    "FrictionPointCreate": _obj(
        ["client_uuid", "audit_uuid", "position", "title", "severity"],
        client_uuid=UUID,
        captured_at=CAPTURED_AT,
        audit_uuid=UUID,
        position=POSITION,
        answer_position={"type": ["integer", "null"], "minimum": 0},
        title=TITLE,
        description=DESCRIPTION,
        severity=SEVERITY,
        photo_uuids={
            "type": "array",
            "description": "client UUIDs of the photos that will follow, in order",
            "maxItems": 20,
            "uniqueItems": True,
            "items": UUID,
        },
    ),
    "FrictionPointAck": _obj(
        ["client_uuid", "id", "audit_uuid", "visit_id"],
        client_uuid=UUID,
        id=ID,
        audit_uuid=UUID,
        visit_id=ID,
    ),
    "FrictionPointEdit": _obj(
        [
            "client_uuid",
            "friction_point_uuid",
            "base_version",
            "title",
            "severity",
        ],
        client_uuid=UUID,
        captured_at=CAPTURED_AT,
        friction_point_uuid=UUID,
        base_version=ID,
        title=TITLE,
        description=DESCRIPTION,
        severity=SEVERITY,
    ),
    "FrictionPointEditAck": _obj(
        ["client_uuid", "friction_point_uuid", "id", "version"],
        client_uuid=UUID,
        friction_point_uuid=UUID,
        id=ID,
        version=ID,
    ),
    "FrictionPointDeletion": _obj(
        ["client_uuid", "friction_point_uuid", "base_version"],
        client_uuid=UUID,
        captured_at=CAPTURED_AT,
        friction_point_uuid=UUID,
        base_version=ID,
    ),
    "FrictionPointDeletionAck": _obj(
        ["client_uuid", "friction_point_uuid", "deleted"],
        client_uuid=UUID,
        friction_point_uuid=UUID,
        deleted={"const": True, "description": "also when it was already gone"},
    ),
    "PhotoUpload": _obj(
        ["client_uuid", "friction_point_uuid", "photo"],
        client_uuid=UUID,
        captured_at=CAPTURED_AT,
        friction_point_uuid=UUID,
        sha256={"type": "string", "description": "sha256 of the file as sent"},
        photo={"type": "string", "format": "binary"},
    ),
    "PhotoAck": _obj(
        ["client_uuid", "id", "friction_point_uuid", "sha256", "source_sha256"],
        client_uuid=UUID,
        id=ID,
        friction_point_uuid=UUID,
        sha256={"type": "string", "description": "sha256 of the stored file"},
        source_sha256={"type": "string", "description": "sha256 of the bytes sent"},
        size={"type": "integer"},
    ),
    "Submission": _obj(
        ["client_uuid", "audit_uuid"],
        client_uuid=UUID,
        captured_at=CAPTURED_AT,
        audit_uuid=UUID,
    ),
    "SubmissionAck": _obj(
        ["client_uuid", "audit_uuid", "id", "status"],
        client_uuid=UUID,
        audit_uuid=UUID,
        id=ID,
        status={"type": "string"},
    ),
}

_ERRORS = {
    "400": "bad request, or the CSRF token is missing or expired (error: csrf)",
    "401": "not signed in (never a redirect)",
    "403": "the member's role does not allow this",
    "404": "no such record in the organisation",
    "409": "UUID reused for other data, stale base_version, not editable any more, "
    "or a parent not arrived yet (retryable)",
    "413": "too large",
    "415": "not a supported image",
    "422": "invalid fields",
    "503": "busy; retry after the Retry-After header",
}


def _responses(ok: dict[str, tuple[str, str]], errors: tuple[str, ...]) -> dict:
    responses = {
        code: {
            "description": text,
            "content": {"application/json": {"schema": _ref(schema)}},
        }
        for code, (text, schema) in ok.items()
    }
    for code in errors:
        responses[code] = {
            "description": _ERRORS[code],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    return responses


def _write(summary: str, schema: str, ack: str, *, media="application/json") -> dict:
    errors = ("400", "401", "403", "409", "413", "422", "503")
    if media != "application/json":
        errors = (*errors, "415")
    return {
        "post": {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {media: {"schema": _ref(schema)}},
            },
            "responses": _responses(
                {
                    "201": ("stored now", ack),
                    "200": ("stored before: the same answer again", ack),
                },
                errors,
            ),
        }
    }


def _read(summary: str, schema: str, *, params: list | None = None) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": params or [],
            "responses": _responses({"200": ("found", schema)}, ("401", "403", "404")),
        }
    }


def _path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def openapi_document() -> dict:
    """Return the OpenAPI 3.1 document of the JSON API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Polku sync API",
            "version": "1",
            "description": "Idempotent endpoints for the offline outbox. Every write "
            "carries a client UUID: the same payload again answers 200 with the same "
            "body; another payload under the same UUID answers 409. Writes need the "
            "session cookie and an X-CSRFToken header (GET /api/v1/csrf).",
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "polku_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
        "security": [{"session": [], "csrf": []}],
        "paths": {
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "the OpenAPI document"}},
                }
            },
            "/api/v1/csrf": _read("A fresh CSRF token for the session", "CsrfToken"),
            "/api/v1/journeys": _read("Journeys to start audits of", "JourneyList"),
            "/api/v1/journeys/{journey_id}": _read(
                "A journey's touchpoints, to walk it offline",
                "JourneySnapshot",
                params=[_path_param("journey_id", ID)],
            ),
            "/api/v1/audits/{audit_uuid}": _read(
                "An audit's current state with its friction points",
                "AuditState",
                params=[_path_param("audit_uuid", UUID)],
            ),
            "/api/v1/audits": {
                **_write("Start an audit", "AuditCreate", "AuditState"),
                **_read("My audits that are still open", "AuditList"),
            },
            "/api/v1/visit-saves": _write(
                "Save a touchpoint's answers", "VisitSave", "VisitSaveAck"
            ),
            "/api/v1/submissions": _write(
                "Hand an audit in", "Submission", "SubmissionAck"
            ),
            "/api/v1/friction-points": _write(
                "Log a friction point", "FrictionPointCreate", "FrictionPointAck"
            ),
            "/api/v1/friction-point-edits": _write(
                "Change a friction point, based on its version",
                "FrictionPointEdit",
                "FrictionPointEditAck",
            ),
            "/api/v1/friction-point-deletions": _write(
                "Delete a friction point (already deleted is a success)",
                "FrictionPointDeletion",
                "FrictionPointDeletionAck",
            ),
            "/api/v1/photos": _write(
                "Add a photo to a friction point",
                "PhotoUpload",
                "PhotoAck",
                media="multipart/form-data",
            ),
        },
    }
