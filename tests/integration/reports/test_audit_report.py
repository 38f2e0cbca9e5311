from datetime import date

from sqlalchemy import event, select

from auditapp.audits import services as audits
from auditapp.auth.models import Organisation, User
from auditapp.core.tenancy import Role
from auditapp.extensions import db as _db
from auditapp.journeys.services import load_journey
from auditapp.reports import context
from tests import factories
from tests.conftest import sign_in
from tests.report_data import make_submitted_audit, pdf_images, pdf_text


def _signed_in(client, email):
    assert sign_in(client, email).status_code == 303
    return client


def _set_locale(db, email, locale):
    db.session.execute(
        select(User).where(User.email == email)
    ).scalar_one().locale = locale
    db.session.commit()


def test_audit_report_pdf_has_cover_summary_answers_and_every_photo(app, db, client):
    made = make_submitted_audit(stages=2, touchpoints=2, photos_per_point=2)
    _signed_in(client, made.manager_email)

    response = client.get(f"/audits/{made.audit_id}/report.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in (
        "Audit report: Ravintolakäynti",
        "Yritys Öljy & Åke",
        "Säästäväinen Siiri",
        "Hämeenlinna",
        "Auditoija Äänekoski",
        "Summary",
        "Friction points by severity",
        "Vaihe 1 ä ö å",
        "Kohtaamispiste 2.2",
        "Odotus 3: siisti pöytä",
        "EXCEEDED",
        "NOT MET",
        "Jonotimme kymmenen minuuttia.",
        "Särö 1.1: jono kassalla",
        "Vain yksi kassa auki.",
        "Page 2 / ",
    ):
        assert expected in text, expected
    assert len(pdf_images(response.data)) == len(made.photo_ids) == 8


def test_audit_report_speaks_the_users_language_with_finnish_dates(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=0)
    _set_locale(db, made.manager_email, "fi")
    _signed_in(client, made.manager_email)

    text = pdf_text(client.get(f"/audits/{made.audit_id}/report.pdf").data)

    assert "Auditointiraportti: Ravintolakäynti" in text
    assert "24.12.2026" in text
    assert "Yhteenveto" in text
    assert "Sivu 1 / " not in text  # no footer on the cover
    assert "Sivu 2 / " in text


def test_friction_points_print_worst_first_within_a_touchpoint(app, db, client):
    made = make_submitted_audit(
        stages=1, touchpoints=1, points_per_visit=3, photos_per_point=0
    )
    _signed_in(client, made.manager_email)

    text = pdf_text(client.get(f"/audits/{made.audit_id}/report.pdf").data)

    # Logged as blocking, serious, annoying: printed in that order by severity.
    first, second, third = (text.index(f"Särö 1.{n}: jono") for n in (1, 2, 3))
    assert first < second < third
    assert "4 – blocks the customer" in text


def test_preview_shows_the_same_report_as_html(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=1)
    _signed_in(client, made.manager_email)

    response = client.get(f"/audits/{made.audit_id}/report")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Audit report: Ravintolakäynti" in html
    assert f"/photos/{made.photo_ids[0]}/display" in html
    assert "/static/css/report.css" in html
    assert "polku:photo" not in html
    assert " style=" not in html  # the screen CSP forbids inline styles


def test_audit_page_links_to_the_report_once_handed_in(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=0)
    _signed_in(client, made.auditor_email)

    page = client.get(f"/audits/{made.audit_id}").get_data(as_text=True)

    assert f"/audits/{made.audit_id}/report.pdf" in page
    assert client.get(f"/audits/{made.audit_id}/report.pdf").status_code == 200


def test_open_audit_has_no_report(app, db, client):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    journey = factories.make_journey(org)
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    db.session.commit()
    _signed_in(client, auditor.email)

    assert client.get(f"/audits/{audit.id}/report.pdf").status_code == 404
    assert client.get(f"/audits/{audit.id}/report").status_code == 404


def test_another_auditors_audit_report_is_not_found(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=0)
    other = factories.make_user(db.session.get(Organisation, made.org_id), Role.AUDITOR)
    _signed_in(client, other.email)

    assert client.get(f"/audits/{made.audit_id}/report.pdf").status_code == 404


def test_report_over_the_photo_limit_is_refused_with_a_message(app, db, client):
    made = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=3)
    app.config["REPORT_MAX_PHOTOS"] = 2
    _signed_in(client, made.manager_email)

    response = client.get(f"/audits/{made.audit_id}/report.pdf")

    assert response.status_code == 413
    assert "This report would have 3 photos; the limit is 2." in response.get_data(
        as_text=True
    )


def _count_queries(app, fn):
    statements = []

    def _record(conn, cursor, statement, params, ctx, many):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", _record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", _record)
    return len(statements)


def test_audit_report_context_takes_the_same_queries_at_1_and_3_items(app, db):
    small = make_submitted_audit(
        stages=1, touchpoints=1, points_per_visit=1, photos_per_point=1
    )
    large = make_submitted_audit(
        stages=3, touchpoints=3, points_per_visit=3, photos_per_point=3
    )
    db.session.expire_all()

    counts = [
        _count_queries(
            app, lambda m=m: context.build_audit_report(m.org_id, m.audit_id)
        )
        for m in (small, large)
    ]

    assert counts[0] == counts[1] == 5
