import io
import json

import pytest
from sqlalchemy import func, select

from auditapp.core.tenancy import Role
from auditapp.journeys import services
from auditapp.journeys.models import Journey, JourneyChange, Stage, Touchpoint
from tests import factories
from tests.conftest import csrf_token, post_form


@pytest.fixture
def manager(app, login_as):
    org = factories.make_org()
    user = factories.make_user(org, Role.MANAGER)
    login_as(user)
    return user


def _journey(db, **where):
    return db.session.execute(select(Journey).filter_by(**where)).scalar_one()


def test_new_journey_starts_with_the_three_stages(client, db, manager):
    response = post_form(
        client,
        "/journeys/new",
        {"name": "Group trip", "description": "Team"},
        page="/journeys/new",
    )

    journey = _journey(db, name="Group trip")
    assert response.headers["Location"] == f"/journeys/{journey.id}"
    stages = services.load_journey(journey.org_id, journey.id).stages
    assert [s.name for s in stages] == [
        "Information search",
        "Purchase",
        "After purchase",
    ]
    page = client.get(f"/journeys/{journey.id}").get_data(as_text=True)
    assert "Information search" in page and "version 1" in page


def test_touchpoint_with_bad_input_comes_back_with_everything_typed(
    client, db, manager
):
    journey = factories.make_journey(manager_org(db, manager), touchpoints=0)
    stage = services.load_journey(journey.org_id, journey.id).stages[0]
    path = f"/stages/{stage.id}/touchpoints/new"

    response = post_form(
        client,
        path,
        {
            "name": "",
            "channel": "web",
            "customer_need": "Find the opening hours <b>now</b>",
            "criticality": "3",
            "target_value": "5",
            "target_unit": "min",
        },
        page=path,
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in page
    assert "A target response time applies to phone, e-mail and chat." in page
    assert "Find the opening hours &lt;b&gt;now&lt;/b&gt;" in page
    assert 'checked id="criticality-2"' in page
    assert db.session.execute(select(func.count(Touchpoint.id))).scalar_one() == 0


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "x" * 201, "Use at most 200 characters."),
        ("name", "Desk\x00", "Remove the invisible control characters."),
        ("channel", "fax", "Not a valid choice"),
        ("criticality", "9", "Not a valid choice"),
        ("target_value", "abc", "Not a valid integer value."),
    ],
)
def test_touchpoint_field_errors_are_shown_next_to_the_field(
    client, db, manager, field, value, message
):
    journey = factories.make_journey(manager_org(db, manager), touchpoints=0)
    stage = services.load_journey(journey.org_id, journey.id).stages[0]
    path = f"/stages/{stage.id}/touchpoints/new"
    data = {
        "name": "Front desk",
        "channel": "phone",
        "criticality": "2",
        "target_unit": "min",
        field: value,
    }

    response = post_form(client, path, data, page=path)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Touchpoint.id))).scalar_one() == 0


def manager_org(db, manager):
    from auditapp.auth.models import Membership, Organisation

    membership = db.session.execute(
        select(Membership).filter_by(user_id=manager.id)
    ).scalar_one()
    return db.session.get(Organisation, membership.org_id)


def test_touchpoint_with_target_time_is_saved_in_seconds(client, db, manager):
    journey = factories.make_journey(manager_org(db, manager), touchpoints=0)
    stage = services.load_journey(journey.org_id, journey.id).stages[1]
    path = f"/stages/{stage.id}/touchpoints/new"

    response = post_form(
        client,
        path,
        {
            "name": "Chat on the web site",
            "channel": "chat",
            "criticality": "2",
            "customer_need": "Ask about group prices",
            "target_value": "2",
            "target_unit": "min",
        },
        page=path,
    )

    tp = db.session.execute(select(Touchpoint)).scalar_one()
    assert response.headers["Location"] == f"/touchpoints/{tp.id}"
    assert (tp.stage_id, tp.target_response_seconds) == (stage.id, 120)
    editor = client.get(f"/touchpoints/{tp.id}").get_data(as_text=True)
    assert 'name="target_value" type="number" value="2"' in editor


def test_expectations_are_added_and_reordered_with_buttons(client, db, manager):
    journey = factories.make_journey(
        manager_org(db, manager), touchpoints=1, expectations=0
    )
    tp = db.session.execute(select(Touchpoint)).scalar_one()
    page = f"/touchpoints/{tp.id}"
    for text in ("Table is clean", "Glasses are spotless"):
        post_form(
            client, f"/touchpoints/{tp.id}/expectations", {"text": text}, page=page
        )
    second = services.load_journey(journey.org_id, journey.id)
    second_id = second.stages[0].touchpoints[0].expectations[1].id

    post_form(client, f"/expectations/{second_id}/move", {"direction": "up"}, page=page)

    db.session.expire_all()
    reloaded = services.load_journey(journey.org_id, journey.id)
    texts = [e.text for e in reloaded.stages[0].touchpoints[0].expectations]
    assert texts == ["Glasses are spotless", "Table is clean"]
    html = client.get(page).get_data(as_text=True)
    assert html.index("Glasses are spotless") < html.index("Table is clean")


def test_stages_move_down_and_first_cannot_move_up(client, db, manager):
    journey = factories.make_journey(manager_org(db, manager), touchpoints=0)
    stages = services.load_journey(journey.org_id, journey.id).stages
    page = f"/journeys/{journey.id}"

    post_form(client, f"/stages/{stages[0].id}/move", {"direction": "up"}, page=page)
    post_form(client, f"/stages/{stages[0].id}/move", {"direction": "down"}, page=page)

    db.session.expire_all()
    names = [s.name for s in services.load_journey(journey.org_id, journey.id).stages]
    assert names == ["Visiting", "Finding", "After"]


def test_every_edit_bumps_the_version_and_is_logged_with_who(client, db, manager):
    journey = factories.make_journey(manager_org(db, manager), touchpoints=0)
    start = journey.version
    stage = services.load_journey(journey.org_id, journey.id).stages[0]

    post_form(
        client,
        f"/stages/{stage.id}/edit",
        {"name": "Searching online"},
        page=f"/stages/{stage.id}/edit",
    )
    post_form(
        client,
        f"/journeys/{journey.id}/stages",
        {"name": "Coming back"},
        page=f"/journeys/{journey.id}",
    )

    db.session.expire_all()
    assert _journey(db, id=journey.id).version == start + 2
    changes = (
        db.session.execute(
            select(JourneyChange)
            .where(JourneyChange.user_id == manager.id)
            .order_by(JourneyChange.id)
        )
        .scalars()
        .all()
    )
    assert [(c.action, c.subject, c.version) for c in changes] == [
        ("stage.update", "Searching online", start + 1),
        ("stage.create", "Coming back", start + 2),
    ]
    history = client.get(f"/journeys/{journey.id}/history").get_data(as_text=True)
    assert "Stage renamed" in history and manager.name in history


def test_archived_journey_cannot_be_edited_until_restored(client, db, manager):
    journey = factories.make_journey(manager_org(db, manager), touchpoints=0)
    page = f"/journeys/{journey.id}"
    post_form(client, f"/journeys/{journey.id}/archive", page=page)

    refused = post_form(
        client, f"/journeys/{journey.id}/stages", {"name": "X"}, page=page
    )
    post_form(client, f"/journeys/{journey.id}/restore", page=page)
    allowed = post_form(
        client, f"/journeys/{journey.id}/stages", {"name": "X"}, page=page
    )

    assert refused.status_code == 422
    assert "This journey is archived. Restore it to edit." in refused.get_data(
        as_text=True
    )
    assert allowed.status_code == 303
    names = [s.name for s in services.load_journey(journey.org_id, journey.id).stages]
    assert names.count("X") == 1


def test_last_stage_cannot_be_deleted(client, db, manager):
    org = manager_org(db, manager)
    journey = services.create_journey(
        org.id, name="One", actor=None, stage_names=["Only"]
    )
    db.session.commit()
    stage = db.session.execute(
        select(Stage).filter_by(journey_id=journey.id)
    ).scalar_one()

    token = csrf_token(client, f"/journeys/{journey.id}")
    response = client.post(
        f"/stages/{stage.id}/delete",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost/journeys/{journey.id}"},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "A journey needs at least one stage." in page
    assert db.session.execute(select(func.count(Stage.id))).scalar_one() == 1


def test_export_download_imports_back_through_the_upload_form(client, db, manager):
    journey = factories.make_journey(manager_org(db, manager), touchpoints=2)

    exported = client.get(f"/journeys/{journey.id}/export.json")
    token = csrf_token(client, "/journeys/import")
    response = client.post(
        "/journeys/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(exported.data), "journey.json"),
        },
        content_type="multipart/form-data",
    )

    assert exported.headers["Content-Disposition"].startswith("attachment;")
    copy = db.session.execute(
        select(Journey).where(Journey.id != journey.id)
    ).scalar_one()
    assert response.headers["Location"] == f"/journeys/{copy.id}"
    again = client.get(f"/journeys/{copy.id}/export.json")
    assert json.loads(again.data) == json.loads(exported.data)


def test_malformed_upload_shows_the_reason_and_adds_nothing(client, db, manager):
    token = csrf_token(client, "/journeys/import")

    response = client.post(
        "/journeys/import",
        data={
            "csrf_token": token,
            "file": (
                io.BytesIO(b'{"format": "polku.journey", "format_version": 1}'),
                "j.json",
            ),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "This is not a Polku journey file." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Journey.id))).scalar_one() == 0


def test_oversized_upload_is_refused(app, client, db, manager):
    app.config["JOURNEY_IMPORT_MAX_BYTES"] = 1000
    token = csrf_token(client, "/journeys/import")

    response = client.post(
        "/journeys/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(b" " * 5000), "big.json"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "The file is too large" in response.get_data(as_text=True)


def test_persona_is_created_and_listed(client, db, manager):
    response = post_form(
        client,
        "/personas/new",
        {
            "name": "Maija, 34",
            "description": "Books for her team",
            "goal": "A trip everyone enjoys",
            "values": "Clear prices",
            "why_buy": "Quick answers",
            "org_id": "999",
        },
        page="/personas/new",
    )

    assert response.status_code == 303
    listing = client.get("/personas").get_data(as_text=True)
    assert "Maija, 34" in listing and "Books for her team" in listing
