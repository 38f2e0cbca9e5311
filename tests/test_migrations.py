"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, table, text

from auditapp import create_app
from auditapp.extensions import db
from tests.conftest import PG_URL


def _fresh_app(tmp_path):
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    url = PG_URL or f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key-that-is-long-enough",
        }
    )


def test_upgrade_from_empty_matches_the_models(tmp_path):
    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()

    assert diff == []
    assert {"journey", "stage", "touchpoint", "expectation", "membership"} <= tables


def test_downgrade_to_base_and_back_works(tmp_path):
    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        upgrade()
        db.engine.dispose()

    assert left == set()


#: The revision before the two migrations that rebuild tables on SQLite.
BEFORE_REBUILDS = "4facf311eb97"


def _row_counts(tables) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: conn.execute(select(func.count()).select_from(table(t))).scalar_one()
            for t in tables
        }


def test_migrations_keep_existing_data(tmp_path):
    """Rebuilding a parent table must not cascade-delete its children's rows.

    SQLite's ALTER support is small, so batch migrations copy a table and drop the
    old one; with foreign keys on, that DROP deletes every child row through ON
    DELETE CASCADE. An upgrade of a live installation would lose its audits' visits,
    answers, friction points and development-item links.
    """
    from auditapp.demo import seed_demo

    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade()
        seed_demo("en")
        db.session.commit()
        tables = sorted(set(inspect(db.engine).get_table_names()) - {"alembic_version"})
        before = _row_counts(tables)
        downgrade(revision=BEFORE_REBUILDS)
        upgrade()
        after = _row_counts(tables)
        db.session.remove()
        db.engine.dispose()

    kept = (
        "touchpoint_visit",
        "answer",
        "friction_point",
        "item_finding",
        "item_event",
    )
    assert all(before[t] > 0 for t in kept), before
    # Tables the downgrade dropped come back empty; every other row is still there.
    dropped = {"item_comment", "not_duplicate", "sync_receipt"}
    assert {t: n for t, n in after.items() if t not in dropped} == {
        t: n for t, n in before.items() if t not in dropped
    }
