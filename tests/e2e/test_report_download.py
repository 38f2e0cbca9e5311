"""On a phone a manager downloads a PDF report, sees it being produced, and reads why
the server refused one (too large), or that it needs a connection."""

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.factories import PASSWORD
from tests.report_data import make_submitted_audit

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("POLKU_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_audit_report_downloads_with_progress_and_refusals_are_explained(
    live_app, phone
):
    app, base = live_app
    with app.app_context():
        made = make_submitted_audit(stages=1, touchpoints=2, photos_per_point=1)
    page = phone
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(made.manager_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base}/audits/{made.audit_id}")
    link = page.get_by_role("link", name="Download the audit report (PDF)")
    status = page.locator(".pdf-status")

    with page.expect_download() as download:
        link.tap()
        status.filter(has_text="Producing the PDF").wait_for()
    saved = download.value
    data = Path(saved.path()).read_bytes()
    status.filter(has_text="The PDF is ready").wait_for()
    _shot(page, "report-ready")

    app.config["REPORT_MAX_PHOTOS"] = 1  # the audit has two photos
    link.tap()
    refused = status.filter(has_text="This report would have 2 photos")
    refused.wait_for()
    refused_text = refused.inner_text()
    _shot(page, "report-refused")
    still_here = page.url

    page.context.set_offline(True)
    link.tap()
    status.filter(has_text="No connection").wait_for()
    page.context.set_offline(False)

    assert saved.suggested_filename == f"audit-{made.audit_id}.pdf"
    text = " ".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(data)).pages)
    assert "Audit report" in text
    assert "the limit is 1" in refused_text
    assert still_here == f"{base}/audits/{made.audit_id}"  # no error page
