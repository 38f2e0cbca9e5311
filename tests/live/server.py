"""A live server on loopback with a seeded organisation, and a signed-in HTTP client.

Used by the [S] tests (concurrency, cut uploads, the fault proxy) and by
`python -m tests.live.fuzz_api`, which runs schemathesis in `.ci/run`.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import make_server

from auditapp import create_app
from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.journeys.services import load_journey
from tests import factories

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Seed:
    """What the seeded organisation holds, as plain values."""

    email: str
    journey_id: int
    journey_version: int


def live_app(tmp: Path, database_url: str | None = None):
    """Return an app on its own database (SQLite in tmp unless a URL is given)."""
    return create_app(
        {
            "INSTANCE_PATH": str(tmp / "instance"),
            "DATABASE_URL": database_url or f"sqlite:///{tmp / 'live.sqlite3'}",
            "SECRET_KEY": "live-secret-key-that-is-long-enough",
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )


def seed(app) -> Seed:
    """Create an organisation with an auditor and a journey (3 × 2 expectations)."""
    with app.app_context():
        db.create_all()
        org = factories.make_org("Live org")
        user = factories.make_user(org, Role.AUDITOR)
        journey = factories.make_journey(org, touchpoints=3, expectations=2)
        version = load_journey(org.id, journey.id).version
        return Seed(user.email, journey.id, version)


@contextmanager
def serving(app):
    """Serve the app on 127.0.0.1 (a free port) in threads; yield the base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Http:
    """A cookie-keeping HTTP client that never follows redirects (like the outbox)."""

    def __init__(self, base: str, proxy_base: str | None = None):
        self.base = proxy_base or base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.token = ""

    def request(self, method: str, path: str, body=None, headers=None, timeout=30):
        """Return (status, headers, bytes); raises OSError on a network failure."""
        headers = {"X-CSRFToken": self.token, **(headers or {})}
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(  # noqa: S310 - http on loopback only
            self.base + path, data=body, headers=headers, method=method
        )
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def sign_in(self, email: str, password: str = factories.PASSWORD) -> None:
        """Sign in through the form, then fetch an API CSRF token."""
        _status, _h, page = self.request("GET", "/login")
        token = _TOKEN.search(page.decode()).group(1)
        form = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": token}
        ).encode()
        status, _h, _b = self.request(
            "POST",
            "/login",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 303, status
        self.refresh_token()

    def refresh_token(self) -> None:
        """GET /api/v1/csrf, as the outbox does after a CSRF 400."""
        status, _h, body = self.request("GET", "/api/v1/csrf")
        assert status == 200, status
        self.token = json.loads(body)["csrf_token"]

    def cookie_header(self) -> str:
        """Return the session cookie as a Cookie header value."""
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)
