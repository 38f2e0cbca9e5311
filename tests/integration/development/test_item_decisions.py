"""A manager's decisions on items: pinning a position, comments, "different" answers."""

import io
from datetime import date

from PIL import Image
from sqlalchemy import func, select

from auditapp.audits import services as audits
from auditapp.audits.models import Rating
from auditapp.core.images import normalise_photo
from auditapp.development.models import (
    DevelopmentItem,
    ItemEvent,
    ItemFinding,
    NotDuplicate,
)
from auditapp.extensions import db
from auditapp.findings import services as findings
from auditapp.findings.models import Severity
from auditapp.journeys.services import load_journey
from tests.conftest import post_form
from tests.integration.development.helpers import (
    audit_with_point,
    item_titled,
    new_items,
)


def _order(client, query: str = "") -> list[str]:
    html = client.get(f"/development?{query}").get_data(as_text=True)
    titles = ("Door locked", "Long queue", "Faded sign")
    return sorted((t for t in titles if t in html), key=html.index)


def test_pin_moves_an_item_and_tells_who_and_why(client, login_as, shop):
    _org, _auditor, manager, _journey = shop
    login_as(manager)
    new_items(
        client,
        shop,
        ("Door locked", Severity.BLOCKING),
        ("Long queue", Severity.SERIOUS),
        ("Faded sign", Severity.COSMETIC),
    )
    faded = item_titled("Faded sign")
    page = f"/development/{faded.id}"

    post_form(
        client,
        f"{page}/override",
        {"position": "1", "reason": "The CEO's sign, fixed this week"},
        page=page,
    )

    assert _order(client) == ["Faded sign", "Door locked", "Long queue"]
    detail = client.get(page).get_data(as_text=True)
    assert f"Pinned to position 1 by {manager.name}" in detail
    assert "The CEO&#39;s sign, fixed this week" in detail
    event = db.session.execute(
        select(ItemEvent).where(ItemEvent.kind == "override")
    ).scalar_one()
    assert (event.user_id, event.text) == (
        manager.id,
        "#1: The CEO's sign, fixed this week",
    )
    # The exports follow the same order as the page.
    csv_text = client.get("/development/export.csv").data.decode("utf-8-sig")
    assert csv_text.index("Faded sign") < csv_text.index("Door locked")


def test_pin_needs_a_reason_and_a_position(client, login_as, shop):
    _org, _auditor, manager, _journey = shop
    login_as(manager)
    new_items(
        client,
        shop,
        ("Door locked", Severity.BLOCKING),
        ("Faded sign", Severity.COSMETIC),
    )
    faded = item_titled("Faded sign")
    page = f"/development/{faded.id}"

    no_reason = post_form(
        client, f"{page}/override", {"position": "1", "reason": "  "}, page=page
    )
    zero = post_form(
        client, f"{page}/override", {"position": "0", "reason": "Why not"}, page=page
    )

    assert (no_reason.status_code, zero.status_code) == (422, 422)
    assert item_titled("Faded sign").rank_override is None
    assert _order(client) == ["Door locked", "Faded sign"]


def test_clearing_a_pin_restores_the_score_order_and_is_logged(client, login_as, shop):
    _org, _auditor, manager, _journey = shop
    login_as(manager)
    new_items(
        client,
        shop,
        ("Door locked", Severity.BLOCKING),
        ("Faded sign", Severity.COSMETIC),
    )
    faded = item_titled("Faded sign")
    page = f"/development/{faded.id}"
    post_form(
        client, f"{page}/override", {"position": "1", "reason": "Quick win"}, page=page
    )
    assert _order(client) == ["Faded sign", "Door locked"]

    post_form(client, f"{page}/override/clear", page=page)

    assert _order(client) == ["Door locked", "Faded sign"]
    kinds = db.session.execute(
        select(ItemEvent.kind)
        .where(ItemEvent.item_id == faded.id)
        .order_by(ItemEvent.id)
    ).scalars()
    assert list(kinds)[-2:] == ["override", "override_cleared"]
    assert "Pin removed" in client.get(page).get_data(as_text=True)


def test_comments_are_shown_with_their_author_and_blank_ones_refused(
    client, login_as, shop
):
    _org, _auditor, manager, _journey = shop
    login_as(manager)
    new_items(client, shop, ("Door locked", Severity.BLOCKING))
    item = item_titled("Door locked")
    page = f"/development/{item.id}"

    post_form(
        client,
        f"{page}/comments",
        {"text": "Asked facilities <b>today</b>"},
        page=page,
    )
    blank = post_form(client, f"{page}/comments", {"text": "   "}, page=page)

    html = client.get(page).get_data(as_text=True)
    assert "Asked facilities &lt;b&gt;today&lt;/b&gt;" in html
    assert manager.name in html.split('id="comments-title"')[1]
    assert blank.status_code == 422


def test_different_stops_that_suggestion_and_merges_nothing(client, login_as, shop):
    org, auditor, manager, journey = shop
    first = audit_with_point(
        org,
        auditor,
        journey,
        title="Long queue at the till",
        severity=Severity.ANNOYING,
    )
    second = audit_with_point(
        org, auditor, journey, title="Queue at the till long", severity=Severity.SERIOUS
    )
    login_as(manager)
    post_form(client, f"/development/inbox/{first}/new", page="/development/inbox")
    item = item_titled("Long queue at the till")
    assert "Same issue as" in client.get("/development/inbox").get_data(as_text=True)

    response = post_form(
        client,
        f"/development/inbox/{second}/different/{item.id}",
        page="/development/inbox",
    )
    post_form(  # saying it twice is harmless
        client,
        f"/development/inbox/{second}/different/{item.id}",
        page="/development/inbox",
    )

    assert response.status_code == 303
    inbox = client.get("/development/inbox").get_data(as_text=True)
    assert "Queue at the till long" in inbox  # still waiting to be sorted
    assert "Same issue as" not in inbox
    assert db.session.execute(select(func.count(NotDuplicate.id))).scalar_one() == 1
    linked = db.session.execute(select(ItemFinding.friction_point_id)).scalars()
    assert list(linked) == [first]


def test_stage_filter_and_literal_wildcards_in_search(client, login_as, shop):
    org, _auditor, manager, _journey = shop
    login_as(manager)
    new_items(
        client,
        shop,
        ("100% sure the door is locked", Severity.BLOCKING),
        ("Faded sign", Severity.COSMETIC),
    )
    faded = item_titled("Faded sign")
    faded.stage_name = "After purchase"
    db.session.commit()

    def titles(query):
        html = client.get(f"/development?{query}").get_data(as_text=True)
        return [t for t in ("100% sure", "Faded sign") if t in html]

    assert titles("stage=After+purchase") == ["Faded sign"]
    assert titles("q=100%25") == ["100% sure"]
    assert titles("q=%25") == ["100% sure"]
    assert titles("q=_") == []
    assert "After purchase" in client.get("/development").get_data(as_text=True)


def test_page_size_can_be_chosen(client, login_as, shop):
    org, _auditor, manager, journey = shop
    login_as(manager)
    new_items(client, shop, ("Door locked", Severity.BLOCKING))
    item = item_titled("Door locked")
    for n in range(60):
        db.session.add(
            DevelopmentItem(
                org_id=org.id,
                title=f"Extra {n:02d}",
                journey_id=journey.id,
                priority_score=0.1,
            )
        )
    db.session.commit()

    first_page = client.get("/development").get_data(as_text=True)
    everything = client.get("/development?per_page=200").get_data(as_text=True)

    assert first_page.count('class="list__item dev-row"') == 50
    assert "Page 1 of 2" in first_page
    assert everything.count('class="list__item dev-row"') == 61
    assert f"/development/{item.id}" in everything


def _photo(point, audit, auditor, colour):
    image = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(image, "JPEG")
    image.seek(0)
    return findings.attach_photo(
        point,
        audit,
        photo=normalise_photo(image),
        uploader=auditor,
        filename="p.jpg",
        store=findings.photo_store(),
    ).id


def test_list_row_shows_counts_and_the_worst_findings_photo(client, login_as, shop):
    org, auditor, manager, journey = shop
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    audit = audits.load_audit(org.id, audit.id)
    visit = audit.visits[0]
    mild, worst = (
        findings.log_friction_point(
            visit, audit, author=auditor, title=title, description="", severity=sev
        )
        for title, sev in (("Queue at the till", 2), ("Queue at the till again", 4))
    )
    _photo(mild, audit, auditor, "blue")
    best = _photo(worst, audit, auditor, "red")
    _photo(worst, audit, auditor, "green")
    for v in audit.visits:
        audits.save_visit(
            v,
            audit,
            actor=auditor,
            data=audits.VisitInput(ratings={a.id: Rating.MET for a in v.answers}),
        )
    audits.submit_audit(audit, actor=auditor)
    db.session.commit()
    login_as(manager)
    post_form(client, f"/development/inbox/{mild.id}/new", page="/development/inbox")
    item = item_titled("Queue at the till")
    post_form(
        client,
        f"/development/inbox/{worst.id}/same-as/{item.id}",
        page="/development/inbox",
    )

    html = client.get("/development").get_data(as_text=True)

    assert f"/photos/{best}/thumb" in html
    assert "2 friction points · 3 photos" in html


def test_list_can_be_read_by_due_date_newest_or_most_seen(client, login_as, shop):
    _org, _auditor, manager, _journey = shop
    login_as(manager)
    new_items(
        client,
        shop,
        ("Door locked", Severity.BLOCKING),
        ("Long queue", Severity.SERIOUS),
        ("Faded sign", Severity.COSMETIC),
    )
    door, queue, sign = (
        item_titled(t) for t in ("Door locked", "Long queue", "Faded sign")
    )
    sign.due_date, queue.due_date = date(2026, 1, 5), date(2026, 2, 1)
    queue.audits_seen = 7
    db.session.commit()

    assert _order(client, "sort=due") == ["Faded sign", "Long queue", "Door locked"]
    assert _order(client, "sort=newest") == ["Faded sign", "Long queue", "Door locked"]
    assert _order(client, "sort=seen") == ["Long queue", "Door locked", "Faded sign"]
    assert _order(client, "sort=bogus") == ["Door locked", "Long queue", "Faded sign"]
