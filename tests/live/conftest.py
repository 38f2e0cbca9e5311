"""A live server on loopback (SQLite in tmp, or the PostgreSQL test database)."""

from __future__ import annotations

import pytest

from auditapp.extensions import db
from tests.conftest import PG_URL, _truncate_all
from tests.live.server import live_app, seed, serving


@pytest.fixture
def live(tmp_path):
    """Yield (app, base URL, seed) for the real app served on 127.0.0.1."""
    app = live_app(tmp_path, PG_URL)
    if PG_URL:
        with app.app_context():
            db.create_all()
            _truncate_all()
    seeded = seed(app)
    with serving(app) as base:
        yield app, base, seeded
    with app.app_context():
        db.session.remove()
        if PG_URL:
            _truncate_all()
        db.engine.dispose()
