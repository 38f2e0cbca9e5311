"""The PDF renderer fetches nothing but the org's photos and our static files.

reliability.md I7, tests 14–16: payloads planted in every user-entered text field,
a canary HTTP server on loopback, a redirecting server, and another org's photo.
"""

from __future__ import annotations

import http.server
import io
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from auditapp.findings.services import photo_store
from auditapp.reports import context, render
from auditapp.reports.fetcher import ReportFetcher
from tests.conftest import sign_in
from tests.report_data import make_submitted_audit, pdf_images, pdf_text

STATIC = Path(__file__).resolve().parents[3] / "static"


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str]
    redirect_to: str | None = None

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.hits.append(self.path)
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(hits, redirect_to=None):
    handler = type("Handler", (_Canary,), {"hits": hits, "redirect_to": redirect_to})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def canary():
    """(hits, canary port, redirector port): every request is recorded."""
    hits: list[str] = []
    target = _serve(hits)
    port = target.server_address[1]
    redirector = _serve(hits, redirect_to=f"http://127.0.0.1:{port}/redirected")
    yield hits, port, redirector.server_address[1]
    for server in (target, redirector):
        server.shutdown()
        server.server_close()


def payloads(port: int, redirect_port: int) -> list[str]:
    """Markup that would fetch something if it reached WeasyPrint unescaped."""
    base = f"http://127.0.0.1:{port}"
    return [
        f'<img src="{base}/img">',
        '<img src="file:///etc/passwd">',
        f"<style>@import url({base}/import.css);</style>",
        f"<style>p {{ background: url({base}/bg) }}</style>",
        f'<div style="background-image: url({base}/inline)">x</div>',
        f'<svg><image href="{base}/svg" width="9" height="9"/></svg>',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<a rel="attachment" href="{base}/attachment">a</a>',
        f'<img src="http://127.0.0.1:{redirect_port}/redirect">',
        f'<img src="http://127.1:{port}/short">',
        f'<img src="http://2130706433:{port}/decimal">',
        f'<img src="http://[::ffff:127.0.0.1]:{port}/mapped">',
        f'<img src="http://localhost.:{port}/dot">',
        '<img src="/dev/urandom">',
        '<img src="polku:static/../../../etc/passwd">',
        '<object data="file:///etc/hostname"></object>',
        '<iframe src="file:///etc/hostname"></iframe>',
        '<embed src="file:///etc/hostname">',
    ]


def _leaks(data: bytes) -> list[str]:
    text = pdf_text(data)
    passwd = Path("/etc/passwd").read_text()
    return [line for line in passwd.splitlines()[:3] if line and line in text]


def test_payloads_in_every_text_field_are_printed_literally(app, db, client, canary):
    hits, port, redirect_port = canary
    planted = " ".join(payloads(port, redirect_port))
    short = f'<img src="http://127.0.0.1:{port}/n"><img src="file:///etc/passwd">'
    made = make_submitted_audit(text=planted, name=short, stages=1, touchpoints=1)
    assert sign_in(client, made.manager_email).status_code == 303

    response = client.get(f"/audits/{made.audit_id}/report.pdf")

    assert response.status_code == 200
    assert hits == []
    text = pdf_text(response.data)
    assert "file:///etc/passwd" in text
    assert "@import url(" in text
    assert "<svg><image href=" in text.replace("\n", "")
    assert _leaks(response.data) == []
    assert PdfReader(io.BytesIO(response.data)).attachments == {}
    assert len(pdf_images(response.data)) == len(made.photo_ids)


def _fetcher(app, *, org_id, photos):
    return ReportFetcher(
        org_id=org_id, photos=photos, store=photo_store(), static_dir=STATIC
    )


def test_unescaped_markup_still_fetches_nothing_outside(app, db, canary):
    # If a template ever printed user text with |safe, the fetcher is the last line.
    hits, port, redirect_port = canary
    html = (
        '<html><head><link rel="stylesheet" href="polku:static/css/report.css">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/sheet.css">'
        f'<link rel="attachment" href="http://127.0.0.1:{port}/att.bin">'
        "</head><body><p>payloads</p>"
        + "".join(payloads(port, redirect_port))
        + "</body></html>"
    )
    fetcher = _fetcher(app, org_id=1, photos={})

    data = render.html_to_pdf(html, fetcher)

    assert hits == []
    assert _leaks(data) == []
    assert PdfReader(io.BytesIO(data)).attachments == {}
    assert pdf_images(data) == []
    assert "polku:static/css/report.css" not in fetcher.refused
    assert any("/sheet.css" in url for url in fetcher.refused)
    assert any(url.startswith("file:") for url in fetcher.refused)


def test_another_orgs_photo_never_reaches_the_pdf(app, db, caplog):
    mine = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=1)
    theirs = make_submitted_audit(stages=1, touchpoints=1, photos_per_point=1)
    report = context.build_audit_report(mine.org_id, mine.audit_id)
    other = context.build_audit_report(theirs.org_id, theirs.audit_id)
    their_id = theirs.photo_ids[0]
    with photo_store().open(other.photos[their_id].key) as fh:
        their_bytes = fh.read()
    html = (
        f'<html><body><img src="polku:photo/{mine.photo_ids[0]}/display">'
        f'<img src="polku:photo/{their_id}/display">'
        f'<img src="polku:photo/{their_id}/thumb"></body></html>'
    )
    # Even a photo map that wrongly carries the other org's photo is refused.
    photos = {**report.photos, their_id: other.photos[their_id]}

    fetcher = _fetcher(app, org_id=mine.org_id, photos=photos)
    data = render.html_to_pdf(html, fetcher)

    assert len(pdf_images(data)) == 1
    assert their_bytes not in data
    assert fetcher.refused == [
        f"polku:photo/{their_id}/display",
        f"polku:photo/{their_id}/thumb",
    ]
    assert "report fetch refused" in caplog.text


def test_a_long_word_wraps_instead_of_breaking_the_layout(app, db, client):
    made = make_submitted_audit(
        text="Ä" * 9_000, name="", stages=1, touchpoints=1, photos_per_point=0
    )
    assert sign_in(client, made.manager_email).status_code == 303

    response = client.get(f"/audits/{made.audit_id}/report.pdf")

    assert response.status_code == 200
    assert "ÄÄÄÄÄÄÄÄ" in pdf_text(response.data)


def test_templates_autoescape(app):
    assert app.jinja_env.autoescape("reports/pdf/audit.html") is True


def test_the_canary_would_see_a_default_fetcher(app, canary):
    # Control: WeasyPrint's own fetcher does reach the canary with the same markup.
    import weasyprint

    hits, port, redirect_port = canary
    html = "<p>x</p>" + "".join(payloads(port, redirect_port)[:1])

    weasyprint.HTML(string=html).write_pdf()

    assert hits == ["/img"]
