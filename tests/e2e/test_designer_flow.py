import json
import os
from pathlib import Path

import pytest

from auditapp.core.tenancy import Role
from auditapp.extensions import db
from tests import factories

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("POLKU_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_manager_designs_a_journey_on_a_phone_and_exports_it(live_app, phone, tmp_path):
    app, base = live_app
    with app.app_context():
        org = factories.make_org("Kahvila Oy")
        factories.make_user(org, Role.MANAGER, email="maija@example.com", name="Maija")
        db.session.remove()
    page = phone

    page.goto(f"{base}/login")
    _shot(page, "01-sign-in")
    assert _no_horizontal_scroll(page)
    page.get_by_label("E-mail address").fill("maija@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/journeys")

    page.get_by_role("link", name="New journey").click()
    page.get_by_label("Name").fill("Café visit")
    page.get_by_label("Description").fill("From finding us to coming back")
    page.get_by_role("button", name="Create journey").click()
    page.get_by_role("heading", name="Café visit").wait_for()
    assert page.get_by_role("heading", name="Information search").is_visible()

    page.get_by_role("textbox", name="Stage name").fill("Sunday brunch")
    page.get_by_role("button", name="Add stage").click()
    page.get_by_role("heading", name="Sunday brunch").wait_for()
    stage = page.locator("article.stage").last
    stage.get_by_role("link", name="Add touchpoint").click()
    page.get_by_label("Name").fill("Opening hours on the web site")
    page.get_by_label("Channel").select_option("web")
    page.get_by_label("Customer need").fill("Is the café open on Sunday?")
    page.get_by_text("3 – critical moment").click()
    assert page.locator("[data-speed-channels]").is_hidden()  # no target for web
    page.get_by_role("button", name="Add touchpoint").click()
    page.get_by_role("heading", name="Expectations").wait_for()

    for text in ("Opening hours are on the front page", "Hours match the door sign"):
        page.get_by_role("textbox", name="Expectation").fill(text)
        page.get_by_role("button", name="Add expectation").click()
        page.get_by_text(text).wait_for()
    _shot(page, "03-touchpoint-editor")
    assert _no_horizontal_scroll(page)
    page.get_by_role("button", name="Move Hours match the door sign up").click()
    items = page.locator("ol.expectations li .list__main").all_inner_texts()
    assert items == ["Hours match the door sign", "Opening hours are on the front page"]

    page.get_by_role("link", name="Café visit").click()
    _shot(page, "04-journey")
    assert _no_horizontal_scroll(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export").click()
    exported = json.loads(Path(download_info.value.path()).read_text())

    journey = exported["journey"]
    assert journey["name"] == "Café visit"
    assert [s["name"] for s in journey["stages"]] == [
        "Information search",
        "Purchase",
        "After purchase",
        "Sunday brunch",
    ]
    touchpoint = journey["stages"][3]["touchpoints"][0]
    assert touchpoint["channel"] == "web" and touchpoint["criticality"] == 3
    assert touchpoint["expectations"] == [
        "Hours match the door sign",
        "Opening hours are on the front page",
    ]

    page.get_by_role("link", name="Journeys", exact=True).click()
    _shot(page, "02-journey-list")
    assert page.get_by_text("1 touchpoint").is_visible()
