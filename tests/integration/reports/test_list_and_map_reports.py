import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from auditapp.audits.models import Audit
from auditapp.auth.models import User
from auditapp.development import queries
from tests.conftest import sign_in
from tests.report_data import make_items, make_submitted_audit, pdf_images, pdf_text


def _signed_in(client, email):
    assert sign_in(client, email).status_code == 303
    return client


def _listed(made):
    make_items(made)
    _total, rows = queries.list_page(made.org_id, queries.ListFilters())
    return [row.item.title for row in rows]


def test_development_list_pdf_keeps_the_list_order_with_breakdowns(app, db, client):
    made = make_submitted_audit(stages=2, touchpoints=2, photos_per_point=1)
    order = _listed(made)
    _signed_in(client, made.manager_email)

    response = client.get("/development/report.pdf")

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    summary = reader.pages[0].extract_text()
    assert "Development list" in summary and "Summary" in summary
    assert "4 items" in summary
    assert "Särö" not in summary  # the list starts on a page of its own
    text = " ".join(pdf_text(response.data).split())  # lines wrap anywhere
    positions = [text.index(f"{title}") for title in order]
    assert positions == sorted(positions)
    assert "Priority 54 = 27 × 1.0 × 2.0 ÷ 1.0" in text  # blocking, effort S
    assert "Owner: Päällikkö" in text
    assert "Due: Jan 15, 2026" in text
    assert "seen in 1 audit" in text
    assert "Ravintolakäynti › Vaihe 1 ä ö å › Kohtaamispiste 1.1" in text
    assert len(pdf_images(response.data)) == 4  # one thumbnail per item


def test_development_list_pdf_uses_the_current_filters(app, db, client):
    made = make_submitted_audit(stages=2, touchpoints=2, photos_per_point=0)
    make_items(made)
    _signed_in(client, made.manager_email)

    text = pdf_text(client.get("/development/report.pdf?severity=4").data)

    assert "1 item" in text
    assert "Severity at least" in text
    assert "Särö 1.1: jono kassalla" in text  # the blocking one
    assert "Särö 2.1: jono kassalla" not in text


def test_development_list_pdf_follows_the_pages_order(app, db, client):
    made = make_submitted_audit(stages=2, touchpoints=2, photos_per_point=0)
    make_items(made)
    _total, rows = queries.list_page(made.org_id, queries.ListFilters(sort="newest"))
    _signed_in(client, made.manager_email)

    text = pdf_text(client.get("/development/report.pdf?sort=newest").data)

    positions = [text.index(row.item.title) for row in rows]
    assert positions == sorted(positions)
    assert "Newest first" in text


def test_development_list_pdf_in_finnish(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=2, photos_per_point=0)
    make_items(made)
    manager = db.session.execute(
        select(User).where(User.email == made.manager_email)
    ).scalar_one()
    manager.locale = "fi"
    db.session.commit()
    _signed_in(client, made.manager_email)

    text = pdf_text(client.get("/development/report.pdf").data)

    assert "Kehityslista" in text
    assert "Määräpäivä: 15.1.2026" in text
    assert "Sivu 2 / 2" in text


def test_development_list_page_links_to_the_pdf_with_its_filters(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=0)
    _signed_in(client, made.manager_email)

    page = client.get("/development?severity=3").get_data(as_text=True)

    assert "/development/report.pdf?severity=3" in page


def test_auditors_get_no_list_or_map_report(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=0)
    journey_id = db.session.get(Audit, made.audit_id).journey_id
    _signed_in(client, made.auditor_email)

    assert client.get("/development/report.pdf").status_code == 403
    assert client.get("/development/report").status_code == 403
    map_url = f"/development/journey-map.pdf?journey={journey_id}"
    assert client.get(map_url).status_code == 403


def test_journey_map_is_one_a3_landscape_page_of_stages_and_touchpoints(
    app, db, client
):
    made = make_submitted_audit(stages=3, touchpoints=2, photos_per_point=0)
    make_items(made)
    journey_id = db.session.get(Audit, made.audit_id).journey_id
    _signed_in(client, made.manager_email)
    page = client.get(f"/development/dashboard?journey={journey_id}")

    response = client.get(
        f"/development/journey-map.pdf?journey={journey_id}"
        "&start=2026-01-01&end=2026-12-31"
    )

    assert "/development/journey-map.pdf?journey=" in page.get_data(as_text=True)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)
    text = pdf_text(response.data)
    for expected in (
        "Journey map: Ravintolakäynti",
        "1 audit handed in",
        "Vaihe 3 ä ö å",
        "Kohtaamispiste 3.2",
        "Top friction points",
        "Särö 1.1: jono kassalla",
        "Expectations met:",
    ):
        assert expected in text, expected


def test_another_orgs_journey_map_is_not_found(app, db, client):
    mine = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=0)
    theirs = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=0)
    their_journey = db.session.get(Audit, theirs.audit_id).journey_id
    _signed_in(client, mine.manager_email)

    for path in ("/development/journey-map.pdf", "/development/journey-map"):
        assert client.get(f"{path}?journey={their_journey}").status_code == 404
        assert client.get(f"{path}?journey=987654").status_code == 404
        assert client.get(path).status_code == 404


def test_development_list_over_the_entry_limit_is_refused(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=2, photos_per_point=0)
    make_items(made)
    app.config["REPORT_MAX_ENTRIES"] = 1
    _signed_in(client, made.manager_email)

    response = client.get("/development/report.pdf")

    assert response.status_code == 413
    assert "This report would have 2 entries; the limit is 1." in response.get_data(
        as_text=True
    )


def test_list_and_dashboard_link_to_html_previews_of_their_reports(app, db, client):
    made = make_submitted_audit(stages=2, touchpoints=1, photos_per_point=0)
    make_items(made)
    journey_id = db.session.get(Audit, made.audit_id).journey_id
    _signed_in(client, made.manager_email)

    listing = client.get("/development?severity=4").get_data(as_text=True)
    board = client.get(f"/development/dashboard?journey={journey_id}")
    list_preview = client.get("/development/report?severity=4")
    map_link = re.search(
        r'href="(/development/journey-map\?[^"]+)"', board.get_data(as_text=True)
    )

    assert 'href="/development/report?severity=4"' in listing
    assert list_preview.status_code == 200
    assert "Särö 1.1: jono kassalla" in list_preview.get_data(as_text=True)
    assert "Särö 2.1: jono kassalla" not in list_preview.get_data(as_text=True)
    assert map_link is not None
    map_preview = client.get(map_link[1].replace("&amp;", "&"))
    assert map_preview.status_code == 200
    assert "Vaihe 1" in map_preview.get_data(as_text=True)
