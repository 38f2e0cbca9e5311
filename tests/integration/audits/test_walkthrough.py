import re
from datetime import date

import pytest
from sqlalchemy import func, select

from auditapp.audits import services
from auditapp.audits.models import Answer, Audit, AuditEvent, AuditStatus, Rating
from auditapp.core.tenancy import Role
from auditapp.journeys import services as journeys
from auditapp.journeys.models import Expectation
from tests import factories
from tests.conftest import csrf_token, post_form


@pytest.fixture
def team(app):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    manager = factories.make_user(org, Role.MANAGER)
    journey = factories.make_journey(org, touchpoints=2, expectations=2)
    return org, auditor, manager, journey


def _start(client, journey):
    response = post_form(
        client,
        "/audits/new",
        {
            "journey": str(journey.id),
            "persona": "0",
            "location": "Kamppi store",
            "audit_date": "2026-11-23",
        },
        page="/audits/new",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return response.headers["Location"]


def _answer_all(client, db, visit_url, rating="met"):
    page = client.get(visit_url).get_data(as_text=True)
    names = sorted(set(re.findall(r'name="(answer_\d+)"', page)))
    token = csrf_token(client, visit_url)
    data = {
        "csrf_token": token,
        **{n: rating for n in names},
        "emotion": "1",
        "happened": "Answered in 40 s",
        "response_minutes": "0",
        "response_seconds": "40",
        "go": "next",
    }
    return client.post(visit_url, data=data)


def test_starting_an_audit_pins_the_journey_texts(app, db, client, login_as, team):
    org, auditor, _manager, journey = team
    login_as(auditor)

    first_visit = _start(client, journey)
    expectation = db.session.execute(select(Expectation)).scalars().first()
    journeys.update_expectation(
        expectation, journey, text="Rewritten later", actor=None
    )
    db.session.commit()

    page = client.get(first_visit).get_data(as_text=True)
    audit = db.session.execute(select(Audit)).scalar_one()
    assert "Expectation 1" in page and "Rewritten later" not in page
    assert audit.journey_version == journey.version - 1
    assert audit.location == "Kamppi store"
    assert audit.audit_date == date(2026, 11, 23)


def test_answers_are_saved_as_given_and_progress_shows(app, db, client, login_as, team):
    _org, auditor, _manager, journey = team
    login_as(auditor)
    visit_url = _start(client, journey)
    page = client.get(visit_url).get_data(as_text=True)
    first = re.search(r'name="(answer_\d+)"', page).group(1)

    response = client.post(
        visit_url,
        data={
            "csrf_token": csrf_token(client, visit_url),
            first: "partly",
        },
        headers={"Accept": "application/json"},
    )

    assert response.get_json() == {
        "ok": True,
        "answered": 1,
        "total": 4,
        "label": "1 of 4 answered",
        "version": 2,  # the screen builds an outbox save on it if the network drops
    }
    stored = db.session.execute(
        select(Answer.rating).where(Answer.id == int(first.split("_")[1]))
    ).scalar_one()
    assert stored == Rating.PARTLY
    again = client.get(visit_url).get_data(as_text=True)
    assert "1 of 4 answered" in again
    assert "Add a friction point for this" in again


def test_submit_lists_unanswered_then_review_cycle(app, db, client, login_as, team):
    _org, auditor, manager, journey = team
    login_as(auditor)
    visit_url = _start(client, journey)
    audit_id = db.session.execute(select(Audit.id)).scalar_one()
    overview = f"/audits/{audit_id}"

    page = client.get(overview).get_data(as_text=True)
    assert "4 expectations have no answer yet:" in page
    next_url = _answer_all(client, db, visit_url).headers["Location"]
    _answer_all(client, db, next_url, rating="not_met")
    post_form(client, f"/audits/{audit_id}/submit", page=overview)

    manager_client = app.test_client()
    from tests.conftest import sign_in

    sign_in(manager_client, manager.email)
    empty = post_form(
        manager_client, f"/audits/{audit_id}/return", {"comment": " "}, page=overview
    )
    assert empty.status_code == 422
    post_form(
        manager_client,
        f"/audits/{audit_id}/return",
        {"comment": "Add photos of the queue"},
        page=overview,
    )
    returned = client.get(overview).get_data(as_text=True)
    assert "Add photos of the queue" in returned
    post_form(client, f"/audits/{audit_id}/submit", page=overview)
    post_form(manager_client, f"/audits/{audit_id}/approve", page=overview)

    db.session.expire_all()
    audit = db.session.get(Audit, audit_id)
    assert audit.status == AuditStatus.APPROVED
    log = db.session.execute(
        select(AuditEvent.status, AuditEvent.comment).order_by(AuditEvent.id)
    ).all()
    assert [(s.value, c) for s, c in log] == [
        ("in_progress", ""),
        ("submitted", ""),
        ("returned", "Add photos of the queue"),
        ("submitted", ""),
        ("approved", ""),
    ]
    final = client.get(overview).get_data(as_text=True)
    assert "50 %" in final  # two met, two not met


def test_submitted_audit_is_read_only_for_the_auditor(app, db, client, login_as, team):
    _org, auditor, _manager, journey = team
    login_as(auditor)
    visit_url = _start(client, journey)
    second = _answer_all(client, db, visit_url).headers["Location"]
    _answer_all(client, db, second)
    audit_id = db.session.execute(select(Audit.id)).scalar_one()
    post_form(client, f"/audits/{audit_id}/submit", page=f"/audits/{audit_id}")

    response = _answer_all(client, db, visit_url, rating="not_met")

    assert response.status_code == 409
    ratings = db.session.execute(select(Answer.rating)).scalars().all()
    assert set(ratings) == {Rating.MET}


def test_other_auditors_audit_is_not_found_and_auditor_cannot_approve(
    app, db, client, login_as, team
):
    org, auditor, _manager, journey = team
    other = factories.make_user(org, Role.AUDITOR)
    login_as(auditor)
    _start(client, journey)
    audit_id = db.session.execute(select(Audit.id)).scalar_one()
    post_form(client, f"/audits/{audit_id}/approve", page=f"/audits/{audit_id}")
    nosy = app.test_client()
    from tests.conftest import sign_in

    sign_in(nosy, other.email)

    assert nosy.get(f"/audits/{audit_id}").status_code == 404
    assert db.session.get(Audit, audit_id).status == AuditStatus.IN_PROGRESS


def test_rating_ids_from_another_touchpoint_are_ignored(app, db, login_as, team):
    org, auditor, _manager, journey = team
    loaded = journeys.load_journey(org.id, journey.id)
    audit = services.start_audit(loaded, auditor=auditor, audit_date=date.today())
    db.session.commit()
    audit = services.load_audit(org.id, audit.id)
    first, second = audit.visits
    foreign = second.answers[0].id

    services.save_visit(
        first,
        audit,
        actor=auditor,
        data=services.VisitInput(ratings={foreign: Rating.MET}),
    )

    assert (
        db.session.execute(
            select(func.count()).where(Answer.rating.is_not(None))
        ).scalar_one()
        == 0
    )


def test_overview_shows_response_time_against_target(app, db, client, login_as, team):
    _org, auditor, _manager, journey = team  # touchpoints have a 60 s target
    login_as(auditor)
    visit_url = _start(client, journey)
    _answer_all(client, db, visit_url)  # 0 min 40 s
    audit_id = db.session.execute(select(Audit.id)).scalar_one()

    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)

    assert "40 s (target 1 min)" in page


def test_audited_journey_cannot_be_deleted_only_archived(
    app, db, client, login_as, team
):
    org, auditor, manager, journey = team
    loaded = journeys.load_journey(org.id, journey.id)
    services.start_audit(loaded, auditor=auditor, audit_date=date.today())
    db.session.commit()
    login_as(manager)

    response = post_form(
        client, f"/journeys/{journey.id}/delete", page=f"/journeys/{journey.id}"
    )

    assert response.status_code == 422
    assert "Archive it instead." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Audit.id))).scalar_one() == 1


def test_touchpoint_screen_lets_the_auditor_jump_anywhere(
    app, db, client, login_as, team
):
    _org, auditor, _manager, journey = team
    login_as(auditor)
    first_url = _start(client, journey)

    page = client.get(first_url).get_data(as_text=True)

    links = re.findall(r'<li><a href="(/visits/\d+)"', page)
    assert len(links) == 2 and links[0] == first_url
    assert client.get(links[1]).status_code == 200
