"""Friction points in the sync API: read with the audit, edited and deleted offline."""

from __future__ import annotations

from sqlalchemy import func, select

from auditapp.auth.models import Organisation
from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo
from auditapp.findings.services import photo_store
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.integration.sync.helpers import (
    audit_body,
    auditor_device,
    fetch_token,
    jpeg,
    new_uuid,
    point_body,
    sha256,
)


def _count(model) -> int:
    db.session.remove()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _audit_with_point(device):
    audit = audit_body(device)
    visit_id = device.post("/api/v1/audits", audit).json["visits"][0]["id"]
    point = point_body(audit["client_uuid"])
    assert device.post("/api/v1/friction-points", point).status_code == 201
    return audit["client_uuid"], point["client_uuid"], visit_id


def _edit(point_uuid, *, base_version=1, **extra):
    return {
        "client_uuid": new_uuid(),
        "friction_point_uuid": point_uuid,
        "base_version": base_version,
        "title": "No opening hours online",
        "description": "Neither on the website nor on the map.",
        "severity": 4,
        **extra,
    }


def _deletion(point_uuid, *, base_version=1):
    return {
        "client_uuid": new_uuid(),
        "friction_point_uuid": point_uuid,
        "base_version": base_version,
    }


def test_audit_state_lists_friction_points_logged_online_and_offline(app, client):
    device = auditor_device(client)
    audit_uuid, point_uuid, visit_id = _audit_with_point(device)
    token = csrf_token(client, f"/visits/{visit_id}/friction/new")
    client.post(
        f"/visits/{visit_id}/friction/new",
        data={"csrf_token": token, "title": "Logged online", "severity": "2"},
    )

    state = client.get(f"/api/v1/audits/{audit_uuid}").json

    points = state["friction_points"]
    assert [(p["title"], p["position"], p["version"]) for p in points] == [
        ("No opening hours", 0, 1),
        ("Logged online", 0, 1),
    ]
    assert points[0]["client_uuid"] == point_uuid
    assert points[0]["photos"] == []


def test_edit_based_on_the_current_version_is_stored_once(app, client):
    device = auditor_device(client)
    audit_uuid, point_uuid, _visit = _audit_with_point(device)
    edit = _edit(point_uuid)

    responses = [device.post("/api/v1/friction-point-edits", edit) for _ in range(3)]

    assert [r.status_code for r in responses] == [201, 200, 200]
    assert responses[0].json == responses[2].json
    assert (responses[0].json["client_uuid"], responses[0].json["version"]) == (
        edit["client_uuid"],
        2,
    )
    point = client.get(f"/api/v1/audits/{audit_uuid}").json["friction_points"][0]
    assert (point["title"], point["severity"], point["version"]) == (
        "No opening hours online",
        4,
        2,
    )


def test_stale_edit_of_a_friction_point_gets_409_with_the_servers_state(app, client):
    device = auditor_device(client)
    _audit, point_uuid, _visit = _audit_with_point(device)
    point_id = db.session.execute(select(FrictionPoint.id)).scalar_one()
    token = csrf_token(client, f"/friction/{point_id}")
    client.post(
        f"/friction/{point_id}",
        data={"csrf_token": token, "title": "Changed online", "severity": "1"},
    )

    response = device.post(
        "/api/v1/friction-point-edits", _edit(point_uuid, title="Offline title")
    )

    assert (response.status_code, response.json["error"]) == (409, "stale")
    assert response.json["retryable"] is False
    current = response.json["current"]
    assert (current["title"], current["severity"], current["version"]) == (
        "Changed online",
        1,
        2,
    )
    db.session.remove()
    assert db.session.get(FrictionPoint, point_id).title == "Changed online"


def test_delete_removes_the_point_and_its_photo_files_and_replays_alike(app, client):
    device = auditor_device(client)
    _audit, point_uuid, _visit = _audit_with_point(device)
    data = jpeg(1)
    photo = {"client_uuid": new_uuid(), "friction_point_uuid": point_uuid}
    assert device.photo({**photo, "sha256": sha256(data)}, data).status_code == 201
    keys = list(db.session.execute(select(Photo.key, Photo.thumb_key)).one())
    deletion = _deletion(point_uuid)

    first = device.post("/api/v1/friction-point-deletions", deletion)
    again = device.post("/api/v1/friction-point-deletions", deletion)

    assert (first.status_code, again.status_code) == (201, 200)
    assert (
        first.json
        == again.json
        == {
            "client_uuid": deletion["client_uuid"],
            "friction_point_uuid": point_uuid,
            "deleted": True,
        }
    )
    assert (_count(FrictionPoint), _count(Photo)) == (0, 0)
    assert [photo_store().exists(k) for k in keys] == [False, False]


def test_deleting_an_already_deleted_point_is_not_an_error(app, client):
    device = auditor_device(client)
    _audit, point_uuid, _visit = _audit_with_point(device)
    assert (
        device.post(
            "/api/v1/friction-point-deletions", _deletion(point_uuid)
        ).status_code
        == 201
    )

    second_device_delete = device.post(
        "/api/v1/friction-point-deletions", _deletion(point_uuid)
    )
    edit_after = device.post("/api/v1/friction-point-edits", _edit(point_uuid))

    assert (second_device_delete.status_code, second_device_delete.json["deleted"]) == (
        201,
        True,
    )
    assert (edit_after.status_code, edit_after.json["error"]) == (409, "deleted")
    assert edit_after.json["retryable"] is False


def test_stale_delete_keeps_the_point_and_answers_with_its_state(app, client):
    device = auditor_device(client)
    _audit, point_uuid, _visit = _audit_with_point(device)
    assert (
        device.post("/api/v1/friction-point-edits", _edit(point_uuid)).status_code
        == 201
    )

    response = device.post("/api/v1/friction-point-deletions", _deletion(point_uuid))

    assert (response.status_code, response.json["error"]) == (409, "stale")
    assert response.json["current"]["title"] == "No opening hours online"
    assert _count(FrictionPoint) == 1


def test_another_auditors_point_cannot_be_edited_or_deleted(app, client):
    device = auditor_device(client)
    _audit, point_uuid, _visit = _audit_with_point(device)
    org = db.session.get(Organisation, device.org_id)
    colleague = factories.make_user(org, Role.AUDITOR)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/audits")})
    sign_in(client, colleague.email)
    device.token = fetch_token(client)

    edit = device.post("/api/v1/friction-point-edits", _edit(point_uuid))
    deletion = device.post("/api/v1/friction-point-deletions", _deletion(point_uuid))

    assert (edit.status_code, deletion.status_code) == (403, 403)
    assert _count(FrictionPoint) == 1


def test_friction_point_of_another_org_is_neither_shown_nor_touched(app, client):
    other = auditor_device(client)
    _audit, point_uuid, _visit = _audit_with_point(other)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/audits")})
    device = auditor_device(client)

    deletion = device.post("/api/v1/friction-point-deletions", _deletion(point_uuid))
    edit = device.post("/api/v1/friction-point-edits", _edit(point_uuid))

    assert deletion.status_code == 201  # as if already gone: nothing to tell
    assert (edit.status_code, edit.json["error"]) == (409, "deleted")
    assert _count(FrictionPoint) == 1
    db.session.remove()
    assert db.session.execute(select(FrictionPoint.title)).scalar_one() == (
        "No opening hours"
    )


def test_edit_with_invalid_fields_answers_422(app, client):
    device = auditor_device(client)
    _audit, point_uuid, _visit = _audit_with_point(device)

    blank = device.post("/api/v1/friction-point-edits", _edit(point_uuid, title=" "))
    severity = device.post(
        "/api/v1/friction-point-edits", _edit(point_uuid, severity=9)
    )

    assert (blank.status_code, severity.status_code) == (422, 422)


def _slots(client, audit_uuid) -> list[tuple[str, bool]]:
    state = client.get(f"/api/v1/audits/{audit_uuid}").json
    return [
        (s["client_uuid"], s["exists"]) for s in state["friction_points"][0]["photos"]
    ]


def test_declared_photos_show_as_missing_until_the_retry_brings_them(app, client):
    """reliability.md 35: audit + 3 photos, the third cut off on the way."""
    device = auditor_device(client)
    audit = audit_body(device)
    visit_id = device.post("/api/v1/audits", audit).json["visits"][0]["id"]
    photos = [(new_uuid(), jpeg(n, size=(640, 480))) for n in range(3)]
    point = point_body(audit["client_uuid"], photo_uuids=[u for u, _d in photos])
    assert device.post("/api/v1/friction-points", point).status_code == 201
    sent = [
        {
            "client_uuid": u,
            "friction_point_uuid": point["client_uuid"],
            "sha256": sha256(d),
        }
        for u, d in photos
    ]
    for body, (_u, data) in zip(sent[:2], photos[:2], strict=True):
        assert device.photo(body, data).status_code == 201
    cut = device.photo(sent[2], photos[2][1][: len(photos[2][1]) * 6 // 10])

    before = _slots(client, audit["client_uuid"])
    page = client.get(f"/visits/{visit_id}").get_data(as_text=True)
    retry = device.photo(sent[2], photos[2][1])
    after = _slots(client, audit["client_uuid"])

    assert (cut.status_code, cut.json["retryable"]) == (422, True)
    assert before == [(u, True) for u, _d in photos[:2]] + [(photos[2][0], False)]
    assert "Photo 3 of 3 not received yet" in page
    assert retry.status_code == 201
    assert after == [(u, True) for u, _d in photos]
    assert (_count(FrictionPoint), _count(Photo)) == (1, 3)
    rows = db.session.execute(select(Photo).order_by(Photo.id)).scalars().all()
    assert [r.source_sha256 for r in rows] == [sha256(d) for _u, d in photos]
    stored = set(photo_store().keys())
    assert stored == {k for r in rows for k in (r.key, r.thumb_key)}
    for row in rows:  # no 0-byte or partial files: each file is what its row says
        with photo_store().open(row.key) as fh:
            data = fh.read()
        assert (len(data), sha256(data)) == (row.size, row.sha256)


def test_photo_uuids_must_be_distinct_uuids(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)
    same = new_uuid()

    repeated = point_body(audit["client_uuid"], photo_uuids=[same, same])
    garbage = point_body(audit["client_uuid"], photo_uuids=["not-a-uuid"])
    too_many = point_body(audit["client_uuid"], photo_uuids=[new_uuid()] * 21)

    codes = [
        device.post("/api/v1/friction-points", body).status_code
        for body in (repeated, garbage, too_many)
    ]
    assert codes == [422, 422, 422]


def test_device_capture_time_is_shown_next_to_the_received_time(app, client):
    """reliability.md 41: both times are shown; a clock far off is flagged."""
    device = auditor_device(client)
    audit = audit_body(device, captured_at="2031-01-01T09:00:00+02:00")
    started = device.post("/api/v1/audits", audit).json
    point = point_body(audit["client_uuid"], captured_at=_minutes_ago(30))
    device.post("/api/v1/friction-points", point)

    audit_page = client.get(f"/audits/{started['id']}").get_data(as_text=True)
    visit_page = client.get(f"/visits/{started['visits'][0]['id']}").get_data(
        as_text=True
    )

    assert "Captured 1/1/31" in audit_page and "on the device · received" in audit_page
    assert "clock looks wrong" in audit_page
    assert 'class="device-time is-off"' in audit_page
    assert "on the device · received" in visit_page
    assert "clock looks wrong" not in visit_page


def _minutes_ago(minutes: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()
