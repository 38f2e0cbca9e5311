"""On a phone a manager files findings as an item, fixes it; an audit verifies it."""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from auditapp.audits import services as audits
from auditapp.audits.models import Rating
from auditapp.core.tenancy import Role
from auditapp.development.models import DevelopmentItem, ItemFinding, ItemStatus
from auditapp.extensions import db
from auditapp.findings import services as findings
from auditapp.journeys.services import load_journey
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("POLKU_SCREENSHOTS")
FIRST = "Long queue at the till"
SECOND = "Queue at the till was long"


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _hand_in(org, auditor, journey, *, first_rating, title=None):
    """An audit of the journey; a friction point on expectation 1 if titled."""
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    audit = audits.load_audit(org.id, audit.id)
    visit = audit.visits[0]
    first, second = visit.answers
    audits.save_visit(
        visit,
        audit,
        actor=auditor,
        data=audits.VisitInput(ratings={first.id: first_rating, second.id: Rating.MET}),
    )
    if title:
        findings.log_friction_point(
            visit,
            audit,
            author=auditor,
            title=title,
            description="Only one till open at lunch",
            severity=3,
            answer=first,
        )
    audits.submit_audit(audit, actor=auditor)
    db.session.commit()
    return audit.id


def _press(page, button, *, within=None):
    scope = within or page
    with page.expect_navigation():
        scope.get_by_role("button", name=button).first.tap()
    page.wait_for_load_state()


def test_manager_merges_assigns_finishes_and_a_later_audit_verifies(live_app, phone):
    app, base = live_app
    with app.app_context():
        org = factories.make_org()
        auditor = factories.make_user(org, Role.AUDITOR, name="Aino Auditor")
        manager = factories.make_user(org, Role.MANAGER)
        journey = factories.make_journey(org, touchpoints=1, expectations=2)
        _hand_in(org, auditor, journey, first_rating=Rating.NOT_MET, title=FIRST)
        _hand_in(org, auditor, journey, first_rating=Rating.PARTLY, title=SECOND)
        ids = {"org": org.id, "journey": journey.id, "auditor": auditor.id}
        email = manager.email
    page = phone

    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)

    # The inbox: the first finding becomes an item, the second is suggested as it.
    page.goto(f"{base}/development")
    page.get_by_role("link", name=re.compile("To sort")).tap()
    first = page.locator(".inbox-item", has_text=FIRST)
    _press(page, "New item", within=first)
    second = page.locator(".inbox-item", has_text=SECOND)
    second.get_by_text(f"Same issue as “{FIRST}”?").wait_for()
    _shot(page, "dev-01-inbox")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    _press(page, "Same issue", within=second)
    page.get_by_text("Nothing to sort.").wait_for()

    # The list shows one item seen in two audits; the manager opens it.
    page.goto(f"{base}/development")
    page.get_by_text("seen in 2 audits").wait_for()
    _shot(page, "dev-02-list")
    page.get_by_role("link", name=re.compile(FIRST)).tap()
    page.get_by_role("heading", name=FIRST).wait_for()

    # Assign it to the auditor with a due date, then mark it done.
    page.get_by_label("Owner", exact=True).select_option(label="Aino Auditor")
    page.get_by_label("Due date", exact=True).fill("2026-12-24")
    _press(page, "Save")
    page.get_by_text("Aino Auditor").first.wait_for()
    page.locator("select#status").select_option(label="Done")
    _press(page, "Change status")
    assert page.locator(".page-head .status").inner_text() == "Done"
    _shot(page, "dev-03-done")

    # A later audit meets the expectation: the item becomes verified by it.
    with app.app_context():
        org = db.session.get(type(org), ids["org"])
        auditor = db.session.get(type(auditor), ids["auditor"])
        journey = db.session.get(type(journey), ids["journey"])
        later = _hand_in(org, auditor, journey, first_rating=Rating.MET)
    page.reload()

    assert page.locator(".page-head .status").inner_text() == "Verified"
    page.get_by_role("link", name=f"Verified by audit #{later}.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    _shot(page, "dev-04-verified")
    with app.app_context():
        item = db.session.execute(select(DevelopmentItem)).scalar_one()
        links = db.session.execute(select(ItemFinding)).scalars().all()
        assert item.status is ItemStatus.VERIFIED
        assert item.verified_by_audit_id == later
        assert item.owner_id == ids["auditor"] and item.audits_seen == 2
        assert len(links) == 2
