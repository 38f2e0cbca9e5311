from datetime import date

from sqlalchemy import select

from auditapp.core.tenancy import Role
from auditapp.development.models import DevelopmentItem, ItemFinding, ItemStatus
from auditapp.extensions import db
from auditapp.findings.models import Severity
from tests import factories
from tests.conftest import post_form
from tests.integration.development.helpers import audit_with_point, new_items


def test_handed_in_findings_wait_to_be_sorted_drafts_do_not(client, login_as, shop):
    org, auditor, manager, journey = shop
    audit_with_point(
        org, auditor, journey, title="Long queue at the till", severity=Severity.SERIOUS
    )
    audit_with_point(
        org,
        auditor,
        journey,
        title="Draft finding",
        severity=Severity.COSMETIC,
        submit=False,
    )
    login_as(manager)

    page = client.get("/development/inbox").get_data(as_text=True)

    assert "Long queue at the till" in page and "Draft finding" not in page


def test_same_issue_is_suggested_and_linking_raises_priority(client, login_as, shop):
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
    item = db.session.execute(select(DevelopmentItem)).scalar_one()
    before = item.priority_score

    inbox = client.get("/development/inbox").get_data(as_text=True)
    post_form(
        client,
        f"/development/inbox/{second}/same-as/{item.id}",
        page="/development/inbox",
    )

    assert "Same issue as “Long queue at the till”?" in inbox
    db.session.expire_all()
    item = db.session.get(DevelopmentItem, item.id)
    assert (item.severity, item.audits_seen) == (3, 2)
    assert item.priority_score > before
    linked = db.session.execute(select(ItemFinding.friction_point_id)).scalars().all()
    assert sorted(linked) == sorted([first, second])
    detail = client.get(f"/development/{item.id}").get_data(as_text=True)
    assert "seen in 2 audits" in detail and "= " in detail


def test_nothing_is_merged_without_a_manager(client, login_as, shop):
    org, auditor, manager, journey = shop
    audit_with_point(
        org,
        auditor,
        journey,
        title="Long queue at the till",
        severity=Severity.ANNOYING,
    )
    audit_with_point(
        org,
        auditor,
        journey,
        title="Long queue at the till",
        severity=Severity.ANNOYING,
    )
    login_as(manager)

    client.get("/development/inbox")
    client.get("/development")

    assert db.session.execute(select(ItemFinding)).first() is None


def test_list_is_sorted_by_priority(client, login_as, shop):
    org, auditor, manager, journey = shop
    cosmetic = audit_with_point(
        org, auditor, journey, title="Faded sign", severity=Severity.COSMETIC
    )
    blocker = audit_with_point(
        org, auditor, journey, title="Door locked", severity=Severity.BLOCKING
    )
    login_as(manager)
    for point in (cosmetic, blocker):
        post_form(client, f"/development/inbox/{point}/new", page="/development/inbox")

    page = client.get("/development").get_data(as_text=True)

    assert page.index("Door locked") < page.index("Faded sign")


def test_wont_fix_needs_a_reason_and_owner_must_be_a_member(
    app, client, login_as, shop
):
    org, auditor, manager, journey = shop
    point = audit_with_point(
        org, auditor, journey, title="Faded sign", severity=Severity.COSMETIC
    )
    stranger = factories.make_user(factories.make_org(), Role.MANAGER)
    login_as(manager)
    post_form(client, f"/development/inbox/{point}/new", page="/development/inbox")
    item = db.session.execute(select(DevelopmentItem)).scalar_one()
    page = f"/development/{item.id}"

    no_reason = post_form(client, f"{page}/status", {"status": "wont_fix"}, page=page)
    foreign = post_form(
        client, f"{page}/assign", {"owner": str(stranger.id)}, page=page
    )
    post_form(
        client,
        f"{page}/assign",
        {"owner": str(auditor.id), "due_date": "2026-12-24", "effort": "S"},
        page=page,
    )
    post_form(client, f"{page}/status", {"status": "in_progress"}, page=page)

    assert no_reason.status_code == 422 and foreign.status_code == 422
    db.session.expire_all()
    item = db.session.get(DevelopmentItem, item.id)
    assert (item.owner_id, item.due_date, item.status) == (
        auditor.id,
        date(2026, 12, 24),
        ItemStatus.IN_PROGRESS,
    )


def test_auditors_cannot_see_the_list(client, login_as, shop):
    _org, auditor, _manager, _journey = shop
    login_as(auditor)

    assert client.get("/development").status_code == 403
    assert client.get("/development/inbox").status_code == 403


def test_filters_narrow_the_list(client, login_as, shop):
    org, auditor, manager, journey = shop
    login_as(manager)
    new_items(
        client,
        shop,
        ("Door locked", Severity.BLOCKING),
        ("Faded sign", Severity.COSMETIC),
    )
    item = db.session.execute(
        select(DevelopmentItem).where(DevelopmentItem.title == "Faded sign")
    ).scalar_one()
    page = f"/development/{item.id}"
    post_form(
        client,
        f"{page}/assign",
        {"owner": str(manager.id), "due_date": "2020-01-31"},
        page=page,
    )

    def titles(query):
        html = client.get(f"/development?{query}").get_data(as_text=True)
        return [t for t in ("Door locked", "Faded sign") if t in html]

    assert titles("") == ["Door locked", "Faded sign"]
    assert titles("severity=4") == ["Door locked"]
    assert titles("q=faded") == ["Faded sign"]
    assert titles(f"owner={manager.id}") == ["Faded sign"]
    assert titles("overdue=y") == ["Faded sign"]
    assert titles("channel=web") == []


def test_export_follows_the_filters_and_neutralises_formulas(client, login_as, shop):
    import csv
    import io

    from openpyxl import load_workbook

    org, auditor, manager, journey = shop
    login_as(manager)
    new_items(
        client,
        shop,
        ('=HYPERLINK("http://evil")', Severity.BLOCKING),
        ("Äänetön kassa", Severity.COSMETIC),
    )

    response = client.get("/development/export.csv?severity=4")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    xlsx = client.get("/development/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    titles = [row[2].value for row in sheet.iter_rows(min_row=2)]

    assert response.headers["Content-Disposition"].endswith('.csv"')
    assert rows[0][:4] == ["rank", "id", "title", "status"]
    assert [r[2] for r in rows[1:]] == ['\'=HYPERLINK("http://evil")']
    assert titles == ['\'=HYPERLINK("http://evil")', "Äänetön kassa"]
    assert client.get("/development/export.pdf").status_code == 404
