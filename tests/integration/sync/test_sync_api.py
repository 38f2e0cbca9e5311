"""The sync contract (reliability.md tests 32, 34, 40, 41, 42): idempotent by UUID."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import func, select

from auditapp.audits import services as audits
from auditapp.audits.models import Answer, Audit, AuditStatus, TouchpointVisit
from auditapp.auth.models import User
from auditapp.core.sync import SyncReceipt
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo
from auditapp.findings.services import photo_store
from auditapp.journeys.services import load_journey
from tests.integration.sync.helpers import (
    audit_body,
    auditor_device,
    jpeg,
    new_uuid,
    point_body,
    sha256,
    visit_body,
)


def _count(model) -> int:
    db.session.remove()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _stored_files_match_rows() -> list[str]:
    """I5: every photo row has a file with its size and sha256."""
    problems = []
    store = photo_store()
    for photo in db.session.execute(select(Photo)).scalars():
        with store.open(photo.key) as fh:
            data = fh.read()
        if (len(data), hashlib.sha256(data).hexdigest()) != (photo.size, photo.sha256):
            problems.append(photo.key)
    return problems


def test_audit_replayed_five_times_is_stored_once_with_the_same_answer(app, client):
    device = auditor_device(client)
    body = audit_body(device)

    responses = [device.post("/api/v1/audits", body) for _ in range(5)]

    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200]
    assert all(r.json == responses[0].json for r in responses)
    assert responses[0].json["client_uuid"] == body["client_uuid"]
    assert responses[0].json["id"] >= 1
    assert [v["position"] for v in responses[0].json["visits"]] == [0, 1]
    assert _count(Audit) == 1


def test_whole_audit_with_three_photos_replayed_adds_no_rows(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    visit = visit_body(audit["client_uuid"])
    point = point_body(audit["client_uuid"])
    photos = [jpeg(i) for i in range(3)]
    photo_bodies = [
        {"client_uuid": new_uuid(), "friction_point_uuid": point["client_uuid"]}
        for _ in photos
    ]

    def send_all():
        statuses = [
            device.post("/api/v1/audits", audit).status_code,
            device.post("/api/v1/visit-saves", visit).status_code,
            device.post("/api/v1/friction-points", point).status_code,
        ]
        acks = [device.photo(b, d) for b, d in zip(photo_bodies, photos, strict=True)]
        return statuses + [a.status_code for a in acks], [a.json for a in acks]

    first, first_acks = send_all()
    replays = [send_all() for _ in range(4)]

    assert first == [201] * 6
    assert all(statuses == [200] * 6 for statuses, _ in replays)
    assert all(acks == first_acks for _, acks in replays)
    assert [a["source_sha256"] for a in first_acks] == [sha256(d) for d in photos]
    assert (_count(Audit), _count(FrictionPoint), _count(Photo)) == (1, 1, 3)
    assert _stored_files_match_rows() == []
    stored = db.session.execute(select(TouchpointVisit).order_by("position")).scalars()
    assert [v.version for v in stored] == [2, 1]  # saved once, not five times


def test_same_uuid_with_other_data_is_refused_and_changes_nothing(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)
    visit = visit_body(audit["client_uuid"])
    assert device.post("/api/v1/visit-saves", visit).status_code == 201

    changed = {**visit, "ratings": {"0": "not_met", "1": "partly"}}
    response = device.post("/api/v1/visit-saves", changed)
    other_audit = device.post("/api/v1/audits", {**audit, "location": "Somewhere else"})

    assert (response.status_code, response.json["error"]) == (409, "uuid_reused")
    assert response.json["retryable"] is False
    assert (other_audit.status_code, other_audit.json["error"]) == (409, "uuid_reused")
    ratings = db.session.execute(select(Answer.rating).order_by(Answer.id)).scalars()
    assert [r and r.value for r in ratings][:2] == ["met", "partly"]
    assert _count(Audit) == 1


def test_uuid_of_one_kind_cannot_be_reused_for_another(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)

    response = device.post(
        "/api/v1/friction-points",
        point_body(audit["client_uuid"], client_uuid=audit["client_uuid"]),
    )

    assert (response.status_code, response.json["error"]) == (409, "uuid_reused")


def test_stale_edit_gets_409_with_the_servers_current_state(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)
    assert (
        device.post("/api/v1/visit-saves", visit_body(audit["client_uuid"])).status_code
        == 201
    )

    stale = visit_body(audit["client_uuid"], happened="Written offline from v1")
    response = device.post("/api/v1/visit-saves", stale)

    assert (response.status_code, response.json["error"]) == (409, "stale")
    assert response.json["current"]["version"] == 2
    assert response.json["current"]["happened"] == "Answered after two rings"
    assert response.json["current"]["ratings"] == {"0": "met", "1": "partly"}
    next_save = visit_body(audit["client_uuid"], base_version=2, happened="Merged")
    assert device.post("/api/v1/visit-saves", next_save).json["version"] == 3


def test_online_form_save_makes_an_offline_edit_stale(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    visit_id = device.post("/api/v1/audits", audit).json["visits"][0]["id"]
    page = client.get(f"/visits/{visit_id}")
    assert page.status_code == 200
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/visits/{visit_id}")
    client.post(f"/visits/{visit_id}", data={"csrf_token": token, "happened": "Online"})

    response = device.post("/api/v1/visit-saves", visit_body(audit["client_uuid"]))

    assert (response.status_code, response.json["current"]["happened"]) == (
        409,
        "Online",
    )


def test_parts_that_arrive_before_their_audit_wait_and_then_attach(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    point = point_body(audit["client_uuid"])
    photo = {"client_uuid": new_uuid(), "friction_point_uuid": point["client_uuid"]}

    early = [
        device.photo(photo, jpeg(1)),
        device.post("/api/v1/friction-points", point),
        device.post("/api/v1/visit-saves", visit_body(audit["client_uuid"])),
    ]
    assert [(r.status_code, r.json["error"], r.json["retryable"]) for r in early] == [
        (409, "parent_missing", True)
    ] * 3
    assert (_count(FrictionPoint), _count(Photo), _count(SyncReceipt)) == (0, 0, 0)

    later = [
        device.post("/api/v1/audits", audit),
        device.post("/api/v1/friction-points", point),
        device.photo(photo, jpeg(1)),
    ]
    assert [r.status_code for r in later] == [201, 201, 201]


def test_identical_photo_bytes_again_are_a_no_op_not_a_conflict(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    point = point_body(audit["client_uuid"])
    device.post("/api/v1/audits", audit)
    device.post("/api/v1/friction-points", point)
    body = {"client_uuid": new_uuid(), "friction_point_uuid": point["client_uuid"]}

    first = device.photo(body, jpeg(7))
    again = device.photo(body, jpeg(7))
    other_bytes = device.photo(body, jpeg(8))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert (other_bytes.status_code, other_bytes.json["error"]) == (409, "uuid_reused")
    assert _count(Photo) == 1


def test_photo_damaged_on_the_way_is_refused_for_a_retry(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    point = point_body(audit["client_uuid"])
    device.post("/api/v1/audits", audit)
    device.post("/api/v1/friction-points", point)
    data = jpeg(3)
    body = {
        "client_uuid": new_uuid(),
        "friction_point_uuid": point["client_uuid"],
        "sha256": sha256(data),
    }

    damaged = device.photo(body, data[: len(data) // 2])
    whole = device.photo(body, data)

    assert (damaged.status_code, damaged.json["error"]) == (422, "checksum_mismatch")
    assert damaged.json["retryable"] is True
    assert (whole.status_code, whole.json["source_sha256"]) == (201, sha256(data))
    assert list(photo_store().root.rglob("*.tmp")) == []


def test_approved_audit_refuses_changes_permanently_with_a_reason(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)
    row = db.session.execute(select(Audit)).scalar_one()
    row.status = AuditStatus.APPROVED
    db.session.commit()

    responses = [
        device.post("/api/v1/visit-saves", visit_body(audit["client_uuid"])),
        device.post("/api/v1/friction-points", point_body(audit["client_uuid"])),
        device.post(
            "/api/v1/submissions",
            {"client_uuid": new_uuid(), "audit_uuid": audit["client_uuid"]},
        ),
    ]

    assert [(r.status_code, r.json["retryable"]) for r in responses] == [
        (409, False)
    ] * 3
    assert all(r.json["message"] for r in responses)
    assert _count(FrictionPoint) == 0


def test_submission_is_idempotent_and_needs_every_answer(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)
    submission = {"client_uuid": new_uuid(), "audit_uuid": audit["client_uuid"]}

    too_early = device.post("/api/v1/submissions", submission)
    for position in (0, 1):
        device.post(
            "/api/v1/visit-saves", visit_body(audit["client_uuid"], position=position)
        )
    first = device.post("/api/v1/submissions", submission)
    again = device.post("/api/v1/submissions", submission)

    assert (too_early.status_code, too_early.json["retryable"]) == (422, False)
    assert (first.status_code, again.status_code) == (201, 200)
    assert (
        again.json
        == first.json
        == {
            "client_uuid": submission["client_uuid"],
            "audit_uuid": audit["client_uuid"],
            "id": first.json["id"],
            "status": "submitted",
        }
    )


def test_device_dates_are_kept_and_server_time_is_recorded(app, client):
    device = auditor_device(client)
    future = (date.today() + timedelta(days=3)).isoformat()
    body = audit_body(device, audit_date=future)

    response = device.post("/api/v1/audits", body)

    row = db.session.execute(select(Audit)).scalar_one()
    receipt = db.session.execute(select(SyncReceipt)).scalar_one()
    assert response.status_code == 201
    assert row.audit_date.isoformat() == future
    assert abs((receipt.received_at - row.created_at).total_seconds()) < 60


def test_journey_changed_after_download_is_refused(app, client):
    device = auditor_device(client)
    body = audit_body(device, journey_version=device.journey_version + 1)

    response = device.post("/api/v1/audits", body)

    assert (response.status_code, response.json["error"]) == (409, "journey_changed")
    assert _count(Audit) == 0


def test_invalid_fields_answer_422_json(app, client):
    device = auditor_device(client)
    bad = [
        ["not", "an", "object"],
        {"client_uuid": "nope"},
        audit_body(device, journey_id=2**40),
        audit_body(device, audit_date="yesterday"),
        audit_body(device, location="x" * 201),
    ]

    statuses = [device.post("/api/v1/audits", body).status_code for body in bad]

    assert statuses == [422] * 5
    assert _count(Audit) == 0


def test_journey_snapshot_matches_the_audit_started_from_it(app, client):
    device = auditor_device(client)
    snapshot = client.get(f"/api/v1/journeys/{device.journey_id}").json
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)

    state = client.get(f"/api/v1/audits/{audit['client_uuid']}").json
    loaded = audits.load_audit(device.org_id, state["id"])

    assert [t["name"] for t in snapshot["touchpoints"]] == [
        v.name for v in loaded.visits
    ]
    assert [t["expectations"] for t in snapshot["touchpoints"]] == [
        [a.text for a in v.answers] for v in loaded.visits
    ]
    assert state["audit_uuid"] == audit["client_uuid"]


def test_someone_elses_uuid_in_another_org_finds_nothing_there(app, client):
    from tests import factories
    from tests.conftest import sign_in
    from tests.integration.sync.helpers import fetch_token

    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)
    client.post("/logout", headers={"X-CSRFToken": device.token})
    db.session.remove()
    org_b = factories.make_org("Org B")
    intruder = factories.make_user(org_b)
    assert sign_in(client, intruder.email).status_code == 303
    device.token = fetch_token(client)

    state = client.get(f"/api/v1/audits/{audit['client_uuid']}")
    save = device.post("/api/v1/visit-saves", visit_body(audit["client_uuid"]))

    assert state.status_code == 404
    assert (save.status_code, save.json["error"]) == (409, "parent_missing")
    assert db.session.execute(select(TouchpointVisit.version)).scalars().all() == [
        1,
        1,
    ]
    assert _count(User) == 2


def test_uuid_of_an_audit_started_online_cannot_be_created_again(app, client):
    device = auditor_device(client)
    journey = load_journey(device.org_id, device.journey_id)
    user = db.session.get(User, device.user_id)
    online = audits.start_audit(journey, auditor=user, audit_date=date.today())
    db.session.commit()

    response = device.post(
        "/api/v1/audits", audit_body(device, client_uuid=str(online.client_uuid))
    )

    assert (response.status_code, response.json["error"]) == (409, "uuid_reused")
    assert response.json["retryable"] is False
    assert _count(Audit) == 1


def test_device_clock_is_kept_for_review_and_never_trusted(app, client):
    device = auditor_device(client)
    skews = {
        "ahead": "2031-01-01T09:00:00+02:00",
        "behind": "2025-11-23T10:00:00Z",
        "no zone": "2026-11-23T10:00:00",
        "nonsense": "yesterday",
    }
    bodies = {k: audit_body(device, captured_at=v) for k, v in skews.items()}

    statuses = {
        k: device.post("/api/v1/audits", b).status_code for k, b in bodies.items()
    }

    receipts = {
        str(r.client_uuid): r for r in db.session.execute(select(SyncReceipt)).scalars()
    }
    kept = {k: receipts[b["client_uuid"]].captured_at_device for k, b in bodies.items()}
    assert statuses == dict.fromkeys(skews, 201)  # flagged by the data, not refused
    assert kept["ahead"].isoformat() == "2031-01-01T07:00:00+00:00"
    assert kept["behind"].isoformat() == "2025-11-23T10:00:00+00:00"
    assert (kept["no zone"], kept["nonsense"]) == (None, None)
    received = sorted(r.received_at for r in receipts.values())
    assert received[-1] - received[0] < timedelta(minutes=1)
