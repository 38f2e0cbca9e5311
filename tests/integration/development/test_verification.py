from datetime import date

import pytest
from sqlalchemy import select

from auditapp.audits import services as audits
from auditapp.audits.models import Rating
from auditapp.core.tenancy import Role
from auditapp.development import services as development
from auditapp.development.models import DevelopmentItem, ItemEvent, ItemStatus
from auditapp.extensions import db
from auditapp.findings import services as findings
from auditapp.findings.models import Severity
from auditapp.journeys.services import load_journey
from tests import factories
from tests.conftest import post_form


def _walk(org, auditor, journey, *, first_rating, log_point=False):
    """Hand in an audit where the first expectation gets `first_rating`."""
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    audit = audits.load_audit(org.id, audit.id)
    first_answer = audit.visits[0].answers[0]
    for visit in audit.visits:
        ratings = {a.id: Rating.MET for a in visit.answers}
        if visit.id == first_answer.visit_id:
            ratings[first_answer.id] = first_rating
        audits.save_visit(
            visit, audit, actor=auditor, data=audits.VisitInput(ratings=ratings)
        )
    point = None
    if log_point:
        point = findings.log_friction_point(
            audit.visits[0],
            audit,
            author=auditor,
            title="No table booking answer",
            description="",
            severity=Severity.SERIOUS,
            answer=first_answer,
        )
    audits.submit_audit(audit, actor=auditor)
    db.session.commit()
    return audit, point


@pytest.fixture
def failed_item(app):
    """An item made from a not-met expectation; returns (item, walk again)."""
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    manager = factories.make_user(org, Role.MANAGER)
    journey = factories.make_journey(org, touchpoints=1, expectations=2)
    audit, point = _walk(
        org, auditor, journey, first_rating=Rating.NOT_MET, log_point=True
    )
    visit = audits.load_audit(org.id, audit.id).visits[0]
    item = development.create_item(point, visit, audit, actor=manager)
    db.session.commit()
    return (
        item,
        manager,
        lambda rating: _walk(org, auditor, journey, first_rating=rating)[0],
    )


def test_later_audit_verifies_a_done_item_then_reopens_it(failed_item):
    item, manager, walk_again = failed_item
    development.set_status(item, ItemStatus.DONE, actor=manager)
    db.session.commit()
    item_id = item.id

    passed = walk_again(Rating.MET)
    verified = db.session.get(DevelopmentItem, item_id)
    assert (verified.status, verified.verified_by_audit_id) == (
        ItemStatus.VERIFIED,
        passed.id,
    )

    failed = walk_again(Rating.PARTLY)
    reopened = db.session.get(DevelopmentItem, item_id)
    assert reopened.status == ItemStatus.NEW
    notes = db.session.execute(
        select(ItemEvent.kind, ItemEvent.text)
        .where(ItemEvent.item_id == item_id)
        .order_by(ItemEvent.id)
    ).all()
    assert notes[-2:] == [("verified", str(passed.id)), ("reopened", str(failed.id))]


def test_an_open_item_is_not_verified_before_it_is_done(failed_item):
    item, _manager, walk_again = failed_item

    walk_again(Rating.EXCEEDED)

    assert db.session.get(DevelopmentItem, item.id).status == ItemStatus.NEW


def test_history_speaks_the_readers_language_and_verified_stays_put(
    failed_item, client, login_as
):
    item, manager, walk_again = failed_item
    development.set_status(item, ItemStatus.DONE, actor=manager)
    db.session.commit()
    item_id = item.id
    passed = walk_again(Rating.MET)  # runs outside a request: default language
    manager.locale = "fi"
    db.session.commit()
    login_as(manager)
    page = f"/development/{item_id}"

    html = client.get(page).get_data(as_text=True)
    unchanged = post_form(client, f"{page}/status", {"status": "verified"}, page=page)

    assert f"Varmistettu auditoinnissa #{passed.id}." in html
    assert "Tila muutettu: Valmis" in html
    assert '<option selected value="verified">Varmistettu</option>' in html
    assert unchanged.status_code == 303
    assert db.session.get(DevelopmentItem, item_id).status is ItemStatus.VERIFIED
