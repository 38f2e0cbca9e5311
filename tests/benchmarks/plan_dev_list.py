"""Query plans of the development list and dashboard on PostgreSQL.

Run from the repository root against an empty scratch database (it creates the
schema and drops it at the end):

    .venv/bin/python -m tests.benchmarks.plan_dev_list \\
        postgresql+psycopg://postgres@127.0.0.1:5432/polku_plan

Fills ORGS organisations with 10,000 friction points in 2,000 items each, runs
ANALYZE, then prints `EXPLAIN (ANALYZE, BUFFERS)` of the statements the list page
and the dashboard send for one organisation, with the filters a manager uses. What
to look for: the item table is reached through an index on org_id (alone or with
status), never a sequential scan of every organisation's items; the answer and visit
aggregates go through the audit's index.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import event, text

from auditapp import create_app
from auditapp.core.tenancy import Role
from auditapp.development import dashboard, queries
from auditapp.extensions import db
from tests import factories, scale

ORGS = 6
FILTERS = {
    "open items (the default list)": queries.ListFilters(),
    "status done, severity ≥ 3": queries.ListFilters(status="done", min_severity=3),
    "text search": queries.ListFilters(q="queue"),
    "overdue": queries.ListFilters(overdue=True),
}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].startswith("postgresql"):
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "DATABASE_URL": argv[0],
                "SECRET_KEY": "plan-secret-key-long-enough-for-this",
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            try:
                target = None
                for n in range(ORGS):
                    org = factories.make_org(f"Org {n}")
                    auditor = factories.make_user(org, Role.AUDITOR)
                    journey = factories.make_journey(org, touchpoints=10)
                    scale.fill(org, journey, auditor, scale.LARGE)
                    target = target or (org.id, journey.id)
                db.session.execute(text("ANALYZE"))
                db.session.commit()  # statistics are transactional too
                _explain_all(*target)
            finally:
                db.session.rollback()
                db.drop_all()
    return 0


def _explain_all(org_id: int, journey_id: int) -> None:
    statements: list[tuple[str, dict]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = db.engine
    for label, filters in FILTERS.items():
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            queries.list_page(org_id, filters, limit=50, today=date(2026, 6, 1))
        finally:
            event.remove(engine, "before_cursor_execute", record)
        _print_plans(f"list: {label}", list(statements))
    statements.clear()
    event.listen(engine, "before_cursor_execute", record)
    try:
        dashboard.build_dashboard(
            org_id, journey_id, date(2026, 1, 1), date(2026, 12, 31)
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    _print_plans("dashboard", list(statements))


def _print_plans(label: str, statements: list[tuple[str, dict]]) -> None:
    print(f"\n=== {label}: {len(statements)} statements")
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for statement, parameters in statements:
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
            print("--- " + " ".join(statement.split())[:160])
            print("\n".join(plan))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
