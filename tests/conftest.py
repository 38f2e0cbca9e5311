"""Fixtures: an app per test on a real database (SQLite file, or PostgreSQL)."""

from __future__ import annotations

import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from auditapp import create_app
from auditapp.extensions import db as _db
from tests import factories

PG_URL = os.environ.get("AUDITAPP_TEST_DATABASE_URL")


class BrowserLikeClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Without this, requests reuse the test's app context: `g` (and Flask-Login's
    cached user) would leak from one request into the next, and the request would
    share the test's database session.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tests read English messages unless they ask for another language.
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    _db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    _db.session.commit()


@pytest.fixture
def app(tmp_path):
    """A fresh app with an empty schema; CSRF stays on as in production."""
    url = PG_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key-that-is-long-enough",
            # Messages built outside a request (services called by tests) in English.
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )
    app.test_client_class = BrowserLikeClient
    with app.app_context():
        if PG_URL:
            _db.create_all()
            _truncate_all()
        else:
            _db.create_all()
        yield app
        _db.session.remove()
        if PG_URL:
            _truncate_all()
            _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database session of the app under test."""
    return _db


@pytest.fixture
def client(app):
    """A test client that keeps cookies, like a browser."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Read a CSRF token from a rendered page, as a browser form would send it."""
    page = client.get(path)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def sign_in(client, email: str, password: str = factories.PASSWORD):
    """Post the sign-in form and return the response."""
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def login_as(client):
    """Sign the test client in as a user; returns the client."""

    def _login(user, password: str = factories.PASSWORD):
        response = sign_in(client, user.email, password)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return client

    return _login


def post_form(client, path: str, data: dict | None = None, *, page: str | None = None):
    """Post a form with a CSRF token read from `page` (default: the home page)."""
    token = csrf_token(client, page or "/journeys")
    return client.post(path, data={**(data or {}), "csrf_token": token})
