"""What a device downloads to walk offline, and the walker shell it runs in."""

from __future__ import annotations

from auditapp.audits.models import Audit
from auditapp.auth.models import Organisation
from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.journeys.services import (
    PersonaData,
    save_persona,
    set_persona_archived,
)
from tests import factories
from tests.integration.sync.helpers import audit_body, auditor_device


def test_journey_list_and_open_audits_are_the_members_own(app, client):
    device = auditor_device(client)
    other_org = factories.make_org("Elsewhere")
    factories.make_journey(other_org, name="Not ours")
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)

    journeys = client.get("/api/v1/journeys").json["journeys"]
    audits = client.get("/api/v1/audits").json["audits"]

    assert [j["id"] for j in journeys] == [device.journey_id]
    assert audits == [audit["client_uuid"]]


def test_another_auditors_open_audits_are_not_listed(app, client):
    device = auditor_device(client)
    device.post("/api/v1/audits", audit_body(device))
    client.post("/logout", headers={"X-CSRFToken": device.token})
    org = db.session.get(Organisation, device.org_id)
    auditor_device(client, role=Role.AUDITOR, org=org)  # a colleague in the same org

    assert client.get("/api/v1/audits").json == {"audits": []}


def test_audit_state_carries_the_pinned_texts_for_the_walker(app, client):
    device = auditor_device(client)
    audit = audit_body(device)
    device.post("/api/v1/audits", audit)

    state = client.get(f"/api/v1/audits/{audit['client_uuid']}").json

    assert state["journey_name"] == "Restaurant visit"
    assert [v["expectations"] for v in state["visits"]] == [
        ["Expectation 1", "Expectation 2"]
    ] * 2
    assert state["visits"][0]["ratings"] == {"0": None, "1": None}


def test_offline_walker_is_a_shell_without_anyones_data(app, client):
    device = auditor_device(client)
    signed_in = client.get("/offline/walk").get_data(as_text=True)
    client.post("/logout", headers={"X-CSRFToken": device.token})
    anonymous = client.get("/offline/walk")

    assert anonymous.status_code == 200
    assert "polku-user" not in signed_in
    assert "Restaurant visit" not in signed_in
    assert 'id="polku-strings"' in signed_in


def test_pages_tell_the_device_who_is_signed_in(app, client):
    auditor_device(client)

    page = client.get("/audits").get_data(as_text=True)

    assert '<meta name="polku-user"' in page
    assert "data-signout" in page


def test_personas_travel_with_the_journeys_and_an_offline_start_uses_one(app, client):
    device = auditor_device(client)
    org = db.session.get(Organisation, device.org_id)
    buyer = save_persona(org.id, data=PersonaData(name="Busy buyer"))
    old = save_persona(org.id, data=PersonaData(name="Archived one"))
    set_persona_archived(old, archived=True)
    other = save_persona(factories.make_org("Elsewhere").id, data=PersonaData(name="X"))
    db.session.commit()
    audit = audit_body(device, persona_id=buyer.id)

    listed = client.get("/api/v1/journeys").json["personas"]
    snapshot = client.get(f"/api/v1/journeys/{device.journey_id}").json["personas"]
    started = device.post("/api/v1/audits", audit)
    foreign = device.post("/api/v1/audits", audit_body(device, persona_id=other.id))

    assert listed == snapshot == [{"id": buyer.id, "name": "Busy buyer"}]
    assert started.status_code == 201
    db.session.remove()
    assert db.session.get(Audit, started.json["id"]).persona_name == "Busy buyer"
    assert (foreign.status_code, foreign.json["error"]) == (422, "unknown_persona")
