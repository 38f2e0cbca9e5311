import pytest
from sqlalchemy import text

from tests.conftest import PG_URL


@pytest.mark.skipif(bool(PG_URL), reason="SQLite connection settings")
def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(app, db):
    with db.engine.connect() as conn:
        settings = {
            name: conn.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }

    assert settings == {
        "journal_mode": "wal",
        "busy_timeout": 5000,
        "foreign_keys": 1,
        "synchronous": 1,
    }
