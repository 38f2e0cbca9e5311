"""Build sync payloads as a device would, and send them with a fresh CSRF token."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date

from PIL import Image

from auditapp.core.tenancy import Role
from auditapp.journeys.services import load_journey
from tests import factories
from tests.conftest import sign_in


@dataclass
class Device:
    """A signed-in test client with the ids a device would have cached."""

    client: object
    token: str
    journey_id: int
    journey_version: int
    org_id: int
    user_id: int
    sent: list = field(default_factory=list)

    def post(self, path: str, body: dict):
        """POST JSON with the X-CSRFToken header."""
        return self.client.post(path, json=body, headers={"X-CSRFToken": self.token})

    def photo(self, body: dict, data: bytes):
        """POST one photo as multipart, the way the outbox sends it."""
        return self.client.post(
            "/api/v1/photos",
            data={**body, "photo": (io.BytesIO(data), "photo.jpg", "image/jpeg")},
            headers={"X-CSRFToken": self.token},
            content_type="multipart/form-data",
        )


def new_uuid() -> str:
    """Return a fresh client UUID as text."""
    return str(uuid.uuid4())


def fetch_token(client) -> str:
    """Ask the API for a CSRF token, as the device does after a long time offline."""
    response = client.get("/api/v1/csrf")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["csrf_token"]


def auditor_device(client, *, role: Role = Role.AUDITOR, org=None) -> Device:
    """Create an org with a journey (2 touchpoints × 2 expectations) and sign in."""
    org = org or factories.make_org()
    user = factories.make_user(org, role)
    journey = factories.make_journey(org, touchpoints=2, expectations=2)
    version = load_journey(org.id, journey.id).version
    assert sign_in(client, user.email).status_code == 303
    return Device(client, fetch_token(client), journey.id, version, org.id, user.id)


def audit_body(device: Device, client_uuid: str | None = None, **extra) -> dict:
    """Return the body that starts an audit of the device's journey."""
    return {
        "client_uuid": client_uuid or new_uuid(),
        "journey_id": device.journey_id,
        "journey_version": device.journey_version,
        "persona_id": None,
        "location": "Esplanadi 12",
        "audit_date": date.today().isoformat(),
        **extra,
    }


def visit_body(audit_uuid: str, *, position=0, base_version=1, **extra) -> dict:
    """Return a touchpoint save: both expectations met, a note, an emotion."""
    return {
        "client_uuid": new_uuid(),
        "audit_uuid": audit_uuid,
        "position": position,
        "base_version": base_version,
        "ratings": {"0": "met", "1": "partly"},
        "happened": "Answered after two rings",
        "emotion": 1,
        "response_seconds": 40,
        **extra,
    }


def point_body(audit_uuid: str, *, position=0, **extra) -> dict:
    """Return a friction point at a touchpoint."""
    return {
        "client_uuid": new_uuid(),
        "audit_uuid": audit_uuid,
        "position": position,
        "answer_position": 1,
        "title": "No opening hours",
        "description": "The listing showed none.",
        "severity": 3,
        **extra,
    }


def jpeg(seed: int, size=(64, 48)) -> bytes:
    """Return a small JPEG whose bytes differ per seed."""
    out = io.BytesIO()
    Image.new("RGB", size, (seed * 40 % 256, 80, 160)).save(out, "JPEG")
    return out.getvalue()


def sha256(data: bytes) -> str:
    """Return the hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()
