"""B13: first-load weight of the audit screens on a phone (performance.md §4, §8).

Run from the repository root (not collected by pytest; exits non-zero on a miss):

    .venv/bin/python -m tests.benchmarks.bench_first_load [--no-browser]

Builds an audit whose touchpoint has 30 expectations, renders the touchpoint screen
(/visits/<id>) and the offline walker (/offline/walk) as a signed-in auditor, and adds
up the gzipped bytes of the HTML and of every stylesheet and script it loads (module
imports followed). Budgets: ≤ 150 KiB in all, ≤ 50 KiB of JavaScript, no web fonts.
With Chromium, it also loads the touchpoint screen twice: the repeat visit must fetch
no static file from the network (the service worker serves them).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

from auditapp import create_app
from auditapp.audits import services as audits
from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.journeys.services import load_journey
from tests import factories
from tests.conftest import BrowserLikeClient, sign_in

TOTAL_BUDGET = 150 * 1024
JS_BUDGET = 50 * 1024
EXPECTATIONS = 30
ASSET = re.compile(r'<(?:script|link)\b[^>]*(?:src|href)="(/static/[^"]+\.(?:js|css))"')
IMPORT = re.compile(r'^import\b[^;]*?from\s+"(\./[^"]+)"', re.MULTILINE)
FONT = re.compile(r"@font-face|\.woff2?\b")


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def _assets(client, html: str) -> dict[str, bytes]:
    """Return every stylesheet and script the page loads, module imports followed."""
    queue, found = ASSET.findall(html), {}
    while queue:
        path = queue.pop()
        if path in found:
            continue
        with client.get(path) as response:
            found[path] = response.get_data()
        if path.endswith(".js"):
            base = path.rsplit("/", 1)[0]
            source = found[path].decode()
            queue += [f"{base}/{name[2:]}" for name in IMPORT.findall(source)]
    return found


def measure(client, path: str) -> dict:
    """Return the gzipped sizes of a page and what it loads."""
    html = client.get(path).get_data()
    assets = _assets(client, html.decode())
    js = sum(_gz(b) for p, b in assets.items() if p.endswith(".js"))
    css = sum(_gz(b) for p, b in assets.items() if p.endswith(".css"))
    fonts = [
        p for p, b in assets.items() if p.endswith(".css") and FONT.search(b.decode())
    ]
    return {
        "path": path,
        "html": _gz(html),
        "css": css,
        "js": js,
        "total": _gz(html) + css + js,
        "files": sorted(assets),
        "fonts": fonts,
    }


def build(tmp: Path):
    """Return (app, email, visit id) for an audit whose touchpoint has 30 items."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp / 'b13.sqlite3'}",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough",
            "BABEL_DEFAULT_LOCALE": "fi",
        }
    )
    app.test_client_class = BrowserLikeClient
    with app.app_context():
        db.create_all()
        org = factories.make_org("Bench", locale="fi")
        user = factories.make_user(org, Role.AUDITOR, locale="fi")
        journey = factories.make_journey(org, touchpoints=3, expectations=EXPECTATIONS)
        audit = audits.start_audit(
            load_journey(org.id, journey.id), auditor=user, audit_date=date.today()
        )
        visit_id = audits.load_audit(org.id, audit.id).visits[0].id
        db.session.commit()
        return app, user.email, visit_id


def repeat_visit_static_fetches(app, email: str, path: str) -> list[str]:
    """Load the page twice in Chromium; return static files the second load fetched."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
    from tests.live.server import serving

    hits: list[str] = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        if environ["PATH_INFO"].startswith("/static/"):
            hits.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    with serving(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=PHONE, locale="fi-FI").new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(base + path)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_timeout(500)  # the worker finishes caching what it fetched
        fetched = []
        page.on(
            "response",
            lambda r: (
                fetched.append(r.url)
                if "/static/" in r.url and not r.from_service_worker
                else None
            ),
        )
        page.reload()
        page.wait_for_load_state("networkidle")
        browser.close()
        return fetched


def main(argv: list[str] | None = None) -> int:
    """Print the figures; return 1 when a budget is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="polku-b13-") as tmp:
        app, email, visit_id = build(Path(tmp))
        client = app.test_client()
        assert sign_in(client, email).status_code == 303
        results = [measure(client, p) for p in (f"/visits/{visit_id}", "/offline/walk")]
        misses = []
        for r in results:
            print(
                f"B13 {r['path']}: HTML {r['html'] / 1024:.1f} KiB + CSS "
                f"{r['css'] / 1024:.1f} KiB + JS {r['js'] / 1024:.1f} KiB = "
                f"{r['total'] / 1024:.1f} KiB gzipped (budget 150, JS 50); "
                f"files: {', '.join(r['files'])}"
            )
            if r["total"] > TOTAL_BUDGET or r["js"] > JS_BUDGET or r["fonts"]:
                misses.append(r["path"])
        if not args.no_browser:
            fetched = repeat_visit_static_fetches(app, email, f"/visits/{visit_id}")
            print(f"B13 repeat visit: {len(fetched)} static files from the network")
            if fetched:
                misses.append(f"repeat visit fetched {fetched}")
    if misses:
        print("MISSED:", "; ".join(misses))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
