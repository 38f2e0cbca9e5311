"""With 10,000 findings in 2,000 items, the list and dashboard cost the same statements.

The count is taken with a `before_cursor_execute` listener on the engine, for the
same pages at two sizes of data: anything that loads per row (an N+1) shows up as a
difference.
"""

import pytest

from auditapp.core.tenancy import Role
from tests import factories, scale
from tests.conftest import sign_in
from tests.integration.test_query_counts import _count_statements

PAGES = (
    "/development",
    "/development?per_page=1000",
    "/development?status=done&severity=2",
    "/development?q=queue&overdue=y",
    "/development/dashboard?start=2025-06-01&end=2026-11-01",
    "/development/inbox",
)


@pytest.fixture
def two_sizes(app):
    """Two organisations with the same journey: one small, one at full scale."""
    clients = []
    for sizes in (scale.SMALL, scale.LARGE):
        org = factories.make_org(f"Org {sizes.findings}")
        manager = factories.make_user(org, Role.MANAGER)
        auditor = factories.make_user(org, Role.AUDITOR)
        journey = factories.make_journey(org, touchpoints=10, expectations=2)
        scale.fill(org, journey, auditor, sizes)
        client = app.test_client()
        sign_in(client, manager.email)
        clients.append(client)
    return clients


@pytest.mark.parametrize("path", PAGES)
def test_statements_do_not_grow_with_the_data(app, two_sizes, path):
    small, large = two_sizes

    assert _count_statements(app, small, path) == _count_statements(app, large, path)


def test_the_large_list_really_holds_thousands_of_items(app, two_sizes):
    _small, large = two_sizes

    html = large.get("/development?per_page=1000").get_data(as_text=True)

    assert html.count('class="list__item dev-row"') == 1000
    assert "Page 1 of 2" in html


def test_export_reads_items_a_thousand_at_a_time(app, two_sizes):
    small, large = two_sizes

    extra = _count_statements(app, large, "/development/export.csv") - (
        _count_statements(app, small, "/development/export.csv")
    )
    rows = large.get("/development/export.csv").data.decode("utf-8-sig").splitlines()

    assert len(rows) - 1 > 1000  # the header, then every open item
    assert extra == (len(rows) - 2) // 1000
