"""List pages issue the same number of SQL statements for 1 and 3 items."""

import pytest
from sqlalchemy import event

from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.journeys import services
from tests import factories


def _count_statements(app, client, path):
    with app.app_context():
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, path
    return len(statements)


def _fill(org, n):
    for i in range(n):
        factories.make_journey(org, name=f"Journey {i}", touchpoints=2)
        services.save_persona(org.id, data=services.PersonaData(name=f"P{i}"))
        factories.make_user(org, Role.AUDITOR)
    db.session.commit()


@pytest.mark.parametrize("path", ["/journeys", "/personas", "/admin/members"])
def test_list_page_query_count_does_not_grow_with_items(app, client, login_as, path):
    small, large = factories.make_org(), factories.make_org()
    _fill(small, 1)
    _fill(large, 3)
    small_admin = factories.make_user(small, Role.ADMIN)
    large_admin = factories.make_user(large, Role.ADMIN)
    other = app.test_client()
    login_as(small_admin)
    from tests.conftest import sign_in

    sign_in(other, large_admin.email)

    assert _count_statements(app, client, path) == _count_statements(app, other, path)


def test_journey_designer_query_count_does_not_grow_with_touchpoints(
    app, client, login_as
):
    org = factories.make_org()
    login_as(factories.make_user(org, Role.MANAGER))
    one = factories.make_journey(org, touchpoints=1, expectations=1)
    many = factories.make_journey(org, touchpoints=5, expectations=4)

    assert _count_statements(app, client, f"/journeys/{one.id}") == (
        _count_statements(app, client, f"/journeys/{many.id}")
    )


def _walked_audit(org, auditor, *, touchpoints, points_per_visit, photos_per_point):
    from datetime import date
    from io import BytesIO

    from PIL import Image

    from auditapp.audits import services as audits
    from auditapp.audits.models import Rating
    from auditapp.core.images import normalise_photo
    from auditapp.findings import services as findings
    from auditapp.findings.models import Severity

    journey = factories.make_journey(org, touchpoints=touchpoints, expectations=3)
    audit = audits.start_audit(
        services.load_journey(org.id, journey.id),
        auditor=auditor,
        audit_date=date.today(),
    )
    audit = audits.load_audit(org.id, audit.id)
    buffer = BytesIO()
    Image.new("RGB", (60, 40), "red").save(buffer, "JPEG")
    for visit in audit.visits:
        audits.save_visit(
            visit,
            audit,
            actor=auditor,
            data=audits.VisitInput(
                ratings={a.id: Rating.MET for a in visit.answers}, emotion=1
            ),
        )
        for _ in range(points_per_visit):
            point = findings.log_friction_point(
                visit,
                audit,
                author=auditor,
                title="t",
                description="",
                severity=Severity.ANNOYING,
            )
            for _ in range(photos_per_point):
                buffer.seek(0)
                findings.attach_photo(
                    point,
                    audit,
                    photo=normalise_photo(buffer),
                    uploader=auditor,
                    filename="a.jpg",
                    store=findings.photo_store(),
                )
    ids = audit.id, audit.visits[0].id
    db.session.commit()
    return ids


def test_audit_pages_query_count_does_not_grow_with_answers_and_photos(
    app, client, login_as
):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    small_audit, small_visit = _walked_audit(
        org, auditor, touchpoints=1, points_per_visit=1, photos_per_point=1
    )
    big_audit, big_visit = _walked_audit(
        org, auditor, touchpoints=4, points_per_visit=3, photos_per_point=2
    )
    login_as(auditor)

    assert _count_statements(app, client, f"/audits/{small_audit}") == (
        _count_statements(app, client, f"/audits/{big_audit}")
    )
    assert _count_statements(app, client, f"/visits/{small_visit}") == (
        _count_statements(app, client, f"/visits/{big_visit}")
    )


def test_audit_list_query_count_does_not_grow_with_audits(app, client, login_as):
    small, large = factories.make_org(), factories.make_org()
    counts = []
    for org, n in ((small, 1), (large, 3)):
        auditor = factories.make_user(org, Role.AUDITOR)
        manager = factories.make_user(org, Role.MANAGER)
        for _ in range(n):
            _walked_audit(
                org, auditor, touchpoints=2, points_per_visit=1, photos_per_point=0
            )
        browser = app.test_client()
        from tests.conftest import sign_in

        sign_in(browser, manager.email)
        counts.append(_count_statements(app, browser, "/audits"))

    assert counts[0] == counts[1]


def test_development_list_query_count_does_not_grow_with_items(app, client):
    from auditapp.development import services as development

    counts = []
    for n in (1, 3):
        org = factories.make_org()
        auditor = factories.make_user(org, Role.AUDITOR)
        manager = factories.make_user(org, Role.MANAGER)
        for _ in range(n):
            audit_id, _visit = _walked_audit(
                org, auditor, touchpoints=2, points_per_visit=2, photos_per_point=0
            )
            from auditapp.audits import services as audits

            audit = audits.load_audit(org.id, audit_id)
            audits.submit_audit(audit, actor=auditor)
            for point, visit, audit_row in development.pending_findings(org.id):
                development.create_item(point, visit, audit_row, actor=manager)
            db.session.commit()
        browser = app.test_client()
        from tests.conftest import sign_in

        sign_in(browser, manager.email)
        counts.append(
            (
                _count_statements(app, browser, "/development"),
                _count_statements(app, browser, "/development/inbox"),
            )
        )

    assert counts[0] == counts[1]
