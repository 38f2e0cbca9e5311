"""Long offline periods (reliability.md 38): 401 JSON, CSRF refresh, nothing lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from auditapp.audits.models import Audit
from auditapp.auth.models import AuthSession, User
from auditapp.core.db import utcnow
from auditapp.extensions import db
from tests.conftest import sign_in
from tests.integration.sync.helpers import audit_body, auditor_device, fetch_token


def _expire_sessions(days: int) -> None:
    db.session.execute(
        update(AuthSession).values(
            last_seen_at=utcnow() - timedelta(days=days),
            created_at=utcnow() - timedelta(days=days),
        )
    )
    db.session.commit()


def test_expired_session_answers_401_json_never_a_redirect(app, client):
    device = auditor_device(client)
    _expire_sessions(days=40)

    responses = [
        device.post("/api/v1/audits", audit_body(device)),
        client.get("/api/v1/csrf"),
        client.get(f"/api/v1/journeys/{device.journey_id}"),
    ]

    assert [(r.status_code, r.is_json) for r in responses] == [(401, True)] * 3
    assert all(r.json["error"] == "unauthorized" for r in responses)
    assert all("Location" not in r.headers for r in responses)


def test_missing_or_wrong_csrf_token_answers_400_json_with_a_code(app, client):
    device = auditor_device(client)
    body = audit_body(device)

    missing = client.post("/api/v1/audits", json=body)
    wrong = client.post("/api/v1/audits", json=body, headers={"X-CSRFToken": "x"})

    assert [(r.status_code, r.json["error"]) for r in (missing, wrong)] == [
        (400, "csrf")
    ] * 2
    assert db.session.execute(select(func.count(Audit.id))).scalar_one() == 0


def test_after_signing_in_again_queued_work_syncs_with_a_fresh_token(app, client):
    device = auditor_device(client)
    queued = audit_body(device)  # captured offline, before the session ran out
    _expire_sessions(days=40)
    assert device.post("/api/v1/audits", queued).status_code == 401

    email = db.session.get(User, device.user_id).email
    assert sign_in(client, email).status_code == 303
    stale_token = device.post("/api/v1/audits", queued)
    device.token = fetch_token(client)
    synced = device.post("/api/v1/audits", queued)
    again = device.post("/api/v1/audits", queued)

    assert (stale_token.status_code, stale_token.json["error"]) == (400, "csrf")
    assert (synced.status_code, again.status_code) == (201, 200)
    assert db.session.execute(select(func.count(Audit.id))).scalar_one() == 1


def test_token_from_the_csrf_endpoint_does_not_expire_with_time(app, client):
    device = auditor_device(client)
    # The session is still live, but the token is days old (no time limit is set).
    db.session.execute(
        update(AuthSession).values(last_seen_at=utcnow() - timedelta(days=2))
    )
    db.session.commit()

    response = device.post("/api/v1/audits", audit_body(device))

    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    assert response.status_code == 201
