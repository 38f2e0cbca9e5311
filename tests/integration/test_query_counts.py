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
