"""Offline work beyond the walker's own captures (issue 4, second round).

The online touchpoint screen keeps an answer when the network drops mid-walk: a
failed autosave (no network, 5xx, a captive portal, a redirect to the login, a
CSRF 400) goes into the device's outbox as a visit save with its base version, the
screen says so, the sync bar counts it, and it syncs when the network returns.
The offline walker edits and deletes friction points that are on the server, and
starts an audit as a persona.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from auditapp.audits.models import TouchpointVisit
from auditapp.core.sync import SyncReceipt
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint
from tests.e2e.test_offline_sync import (
    _eventually,
    _keep_for_offline,
    _pending,
    _phone,
    _shot,
    _sign_in,
    _small_org,
    _wait_synced,
    playwright,
)

pytestmark = pytest.mark.e2e
QUEUED = "Saved on this device, waiting to sync"


def _start_online(page, base):
    page.goto(f"{base}/audits/new")
    page.get_by_label("Location or site").fill("Kamppi")
    page.get_by_role("button", name="Start walking").click()
    page.wait_for_url("**/visits/*")
    # The device keeps its copy of the audit (what the outbox builds on).
    _eventually(page, "PolkuOutbox.audits.all().then((a) => a.length === 1)")


def _rate(page, expectation: int, rating: str):
    box = page.locator("fieldset.expect").nth(expectation)
    box.locator(f"label.rating--{rating}").click()


def _state(page):
    return page.locator(".save-state")


def _visit(app, position=0):
    with app.app_context():
        db.session.remove()
        visit = db.session.execute(
            select(TouchpointVisit)
            .where(TouchpointVisit.position == position)
            .options(selectinload(TouchpointVisit.answers))
        ).scalar_one()
        ratings = [a.rating.value if a.rating else None for a in visit.answers]
        found = (visit.version, ratings, visit.happened, visit.emotion)
        db.session.remove()
        return found


def _receipts(app) -> list[str]:
    with app.app_context():
        kinds = list(db.session.execute(select(SyncReceipt.kind)).scalars())
        db.session.remove()
        return kinds


def test_answer_given_when_the_network_drops_is_kept_and_synced(live_app, tmp_path):
    app, base = live_app
    email, _other = _small_org(app)
    with playwright() as pw:
        context, page = _phone(pw, tmp_path / "profile")
        _sign_in(page, base, email)
        _start_online(page, base)
        _rate(page, 0, "met")
        _state(page).filter(has_text="Saved").wait_for()

        context.set_offline(True)
        before = page.locator(".progress__text").inner_text()
        _rate(page, 1, "not_met")
        page.get_by_label("What actually happened?").fill("Nobody answered the phone")
        _state(page).filter(has_text=QUEUED).wait_for()
        progress = page.locator(".progress__text").inner_text()
        _eventually(page, "document.getElementById('sync-status').dataset.pending > 0")
        waiting = _pending(page)
        bar = page.locator("#sync-status").inner_text()
        go_on = page.locator("[data-offline-link]").is_visible()
        _shot(page, "online-screen-queued")
        assert _visit(app)[1] == ["met", None]  # nothing reached the server

        context.set_offline(False)  # the network returns: it syncs by itself
        _wait_synced(page)
        _state(page).filter(has_text="Saved").wait_for()
        state = _state(page).inner_text()
        context.close()

    assert waiting >= 1
    assert (before, progress) == ("1 of 4 answered", "2 of 4 answered")
    assert "Offline" in bar and f"{waiting} waiting to sync" in bar
    assert go_on
    assert state == "Saved"
    version, ratings, happened, _emotion = _visit(app)
    assert (ratings, happened) == (["met", "not_met"], "Nobody answered the phone")
    assert version == 2 + waiting
    assert _receipts(app) == ["visit_save"] * waiting


FAULTS = {
    "error_500": {"status": 500, "content_type": "text/html", "body": "<h1>500</h1>"},
    "captive_html": {"status": 200, "content_type": "text/html", "body": "<p>Wi-Fi"},
    "login_redirect": {"status": 302, "headers": {"Location": "/login"}, "body": ""},
    "expired_login": {
        "status": 401,
        "content_type": "application/json",
        "body": json.dumps({"error": "login_required"}),
    },
    "csrf_400": {
        "status": 400,
        "content_type": "text/html",
        "body": "<p>The CSRF token has expired.</p>",
    },
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_autosave_answered_badly_goes_to_the_outbox_not_lost(live_app, tmp_path, fault):
    app, base = live_app
    email, _other = _small_org(app)
    with playwright() as pw:
        context, page = _phone(pw, tmp_path / "profile")
        _sign_in(page, base, email)
        _start_online(page, base)
        page.route("**/visits/*", lambda route: route.fulfill(**FAULTS[fault]))
        _rate(page, 0, "partly")
        _state(page).filter(has_text="Saved").wait_for()
        _wait_synced(page)  # the outbox delivered it through the sync API
        _state(page).filter(has_text="Saved").wait_for()
        refused = page.evaluate("PolkuOutbox.status().then((s) => s.rejected.length)")
        context.close()

    assert refused == 0
    assert _visit(app)[:2] == (2, ["partly", None])
    assert _receipts(app) == ["visit_save"]


def test_stale_edit_from_the_online_screen_shows_both_versions(live_app, tmp_path):
    app, base = live_app
    email, _other = _small_org(app)
    with playwright() as pw:
        context, page = _phone(pw, tmp_path / "profile")
        _sign_in(page, base, email)
        _start_online(page, base)
        context.set_offline(True)
        page.get_by_label("What actually happened?").fill("Typed in the basement")
        _state(page).filter(has_text=QUEUED).wait_for()
        with app.app_context():  # meanwhile changed elsewhere
            visit = db.session.execute(
                select(TouchpointVisit).where(TouchpointVisit.position == 0)
            ).scalar_one()
            visit.happened = "Changed on another phone"
            db.session.commit()
        context.set_offline(False)
        refused = page.locator("#sync-rejected")
        refused.get_by_text("1 could not be saved").wait_for()
        _state(page).filter(has_text="did not accept").wait_for()
        shown = refused.inner_text()
        _shot(page, "online-screen-stale")
        context.close()

    assert "Typed in the basement" in shown and "Changed on another phone" in shown
    assert _visit(app)[2] == "Changed on another phone"


def _points_online(app, titles):
    """Log friction points at touchpoint 1 as the auditor did online."""
    from auditapp.audits import services as audits
    from auditapp.audits.models import Audit
    from auditapp.auth.models import User
    from auditapp.findings import services as findings

    with app.app_context():
        audit = db.session.execute(select(Audit)).scalar_one()
        audit = audits.load_audit(audit.org_id, audit.id)
        author = db.session.get(User, audit.auditor_id)
        for title in titles:
            findings.log_friction_point(
                audit.visits[0],
                audit,
                author=author,
                title=title,
                description="",
                severity=2,
            )
        db.session.commit()


def _points(app) -> dict[str, int]:
    with app.app_context():
        found = dict(
            db.session.execute(select(FrictionPoint.title, FrictionPoint.version)).all()
        )
        db.session.remove()
        return found


def test_friction_points_from_the_server_are_edited_and_deleted_offline(
    live_app, tmp_path
):
    app, base = live_app
    email, _other = _small_org(app)
    with playwright() as pw:
        context, page = _phone(pw, tmp_path / "profile")
        page.on("dialog", lambda dialog: dialog.accept())
        _sign_in(page, base, email)
        _start_online(page, base)
        _points_online(app, ["Queue at the door", "No menu", "Dirty glass"])
        page.reload()  # the touchpoint screen refreshes the device's copy
        _eventually(
            page,
            "PolkuOutbox.audits.all().then((a) => a[0].points.length === 3)",
        )
        page.goto(f"{base}/offline/walk")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")

        context.set_offline(True)
        page.locator("[data-offline-audits] li a").first.click()
        page.get_by_role("link", name="Touchpoint 1").click()
        points = page.locator("[data-points] li")
        points.nth(2).wait_for()
        shown = points.all_inner_texts()
        page.get_by_role("button", name="Edit: Queue at the door").click()
        form = page.locator("#offline-point-edit")
        form.get_by_label("Title").fill("Queue of twenty at the door")
        form.get_by_label("Severity").select_option("4")
        form.get_by_role("button", name="Save changes").click()
        page.get_by_text("Queue of twenty at the door").wait_for()
        page.get_by_role("button", name="Edit: Dirty glass").click()
        page.locator("#offline-point-edit").get_by_label("Title").fill("Glass")
        page.locator("#offline-point-edit button[type=submit]").click()
        page.get_by_role("button", name="Delete: No menu").click()
        _eventually(page, "document.querySelectorAll('[data-points] li').length === 2")
        _shot(page, "walker-points-edited")
        waiting = _pending(page)

        # Meanwhile on the server: "No menu" is deleted and "Dirty glass" changed.
        with app.app_context():
            gone = db.session.execute(
                select(FrictionPoint).where(FrictionPoint.title == "No menu")
            ).scalar_one()
            db.session.delete(gone)
            db.session.execute(
                update(FrictionPoint)
                .where(FrictionPoint.title == "Dirty glass")
                .values(title="Dirty glass at table 4", version=2)
            )
            db.session.commit()
        context.set_offline(False)
        _wait_synced(page)
        refused = page.locator("#sync-rejected")
        refused.get_by_text("1 could not be saved").wait_for()
        refused_text = refused.inner_text()
        _shot(page, "walker-point-stale")
        context.close()

    assert [t.splitlines()[0] for t in shown] == [
        "Queue at the door",
        "No menu",
        "Dirty glass",
    ]
    assert all("On the server now" in t for t in shown)
    assert waiting == 3
    assert _points(app) == {
        "Queue of twenty at the door": 2,
        "Dirty glass at table 4": 2,
    }
    assert "Glass" in refused_text and "Dirty glass at table 4" in refused_text
    assert "changed elsewhere" in refused_text


def test_audit_started_offline_as_a_persona_keeps_it(live_app, tmp_path):
    from auditapp.audits.models import Audit
    from auditapp.auth.models import Organisation
    from auditapp.journeys.services import PersonaData, save_persona

    app, base = live_app
    email, _other = _small_org(app)
    with app.app_context():
        org = db.session.execute(select(Organisation)).scalar_one()
        save_persona(org.id, data=PersonaData(name="Busy buyer"))
        save_persona(org.id, data=PersonaData(name="First-time visitor"))
        db.session.commit()
    with playwright() as pw:
        context, page = _phone(pw, tmp_path / "profile")
        _sign_in(page, base, email)
        _keep_for_offline(page, base)
        context.set_offline(True)
        page.get_by_label("Persona").select_option(label="First-time visitor")
        _shot(page, "walker-start-persona")
        page.get_by_label("Place").fill("Kamppi")
        page.locator("#start-offline button[type=submit]").click()
        page.locator("#offline-visit").wait_for()
        page.goto(f"{base}/offline/walk")
        listed = page.locator("[data-offline-audits] li").first.inner_text()
        context.set_offline(False)
        _wait_synced(page)
        context.close()

    assert "First-time visitor" in listed
    with app.app_context():
        audit = db.session.execute(select(Audit)).scalar_one()
        assert audit.persona_name == "First-time visitor"
