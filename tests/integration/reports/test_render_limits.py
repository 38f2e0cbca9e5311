"""Reports render in a process of their own, inside time and memory limits.

reliability.md test 16: a report that overruns its time or memory ends with a clean
503 and a message that says what to do, nothing is left running, and other requests
are served meanwhile. performance.md §1.10: the app process never loads WeasyPrint.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from auditapp.core.tenancy import Role
from auditapp.development.models import DevelopmentItem, ItemStatus
from auditapp.findings.services import photo_store
from auditapp.reports import render
from auditapp.reports.fetcher import ReportFetcher
from tests import factories
from tests.conftest import sign_in
from tests.report_data import pdf_text

STATIC = Path(__file__).resolve().parents[3] / "static"
#: Enough rows that laying out the list takes seconds and well over 200 MiB.
HEAVY_ITEMS = 3_000


@pytest.fixture
def heavy_list(app, db, client):
    """A manager signed in to an organisation with a long development list."""
    org = factories.make_org("Raskas Oy")
    manager = factories.make_user(org, Role.MANAGER)
    journey = factories.make_journey(org, name="Ravintolakäynti")
    db.session.add_all(
        DevelopmentItem(
            org_id=org.id,
            title=f"Kehityskohde {n}: jono kassalla, vain yksi kassa auki",
            description="Asiakkaat odottivat pitkään.",
            status=ItemStatus.NEW,
            due_date=date(2026, 1 + n % 12, 1 + n % 28),
            journey_id=journey.id,
            stage_name=f"Vaihe {n % 5 + 1}",
            channel="phone",
            severity=n % 4 + 1,
            audits_seen=n % 7 + 1,
            criticality=n % 3 + 1,
            priority_score=float(n % 97),
        )
        for n in range(HEAVY_ITEMS)
    )
    db.session.commit()
    assert sign_in(client, manager.email).status_code == 303
    client.manager_email = manager.email
    return client


def _render_processes() -> list[int]:
    """Return the pids of the render server's children (renders in progress)."""
    server = render._server._process
    if server is None or server.poll() is not None:
        return []
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == server.pid:
            children.append(int(entry))
    return children


def _wait_until_no_render_runs() -> list[int]:
    for _ in range(100):  # the kernel reaps an ended render at once; allow a moment
        if not (left := _render_processes()):
            return left
        time.sleep(0.05)
    return _render_processes()


def test_a_report_past_its_time_is_stopped_and_other_pages_keep_working(
    app, heavy_list
):
    app.config["REPORT_RENDER_SECONDS"] = 1
    page = app.test_client()  # the same manager in another browser tab
    assert sign_in(page, heavy_list.manager_email).status_code == 303
    answers = {}
    pdf_request = threading.Thread(
        target=lambda: answers.update(pdf=heavy_list.get("/development/report.pdf"))
    )

    pdf_request.start()
    during = page.get("/development/dashboard")
    still_rendering = pdf_request.is_alive()
    pdf_request.join(timeout=60)

    assert during.status_code == 200
    assert still_rendering  # the dashboard was served while the report rendered
    response = answers["pdf"]
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "took longer than 1 second to produce and was stopped" in (
        response.get_data(as_text=True)
    )
    assert _wait_until_no_render_runs() == []


def test_a_report_over_its_memory_limit_gets_a_clear_503(app, heavy_list):
    app.config["REPORT_RENDER_MEMORY_MB"] = 200

    response = heavy_list.get("/development/report.pdf")

    assert response.status_code == 503
    assert "needed more memory than the server allows" in response.get_data(
        as_text=True
    )
    assert _wait_until_no_render_runs() == []


def test_the_same_report_renders_within_the_default_limits(app, heavy_list):
    response = heavy_list.get("/development/report.pdf?q=Kehityskohde+29")

    assert response.status_code == 200
    assert "Kehityskohde 299:" in pdf_text(response.data)
    assert render.RECENT[-1].pdf_bytes == len(response.data)
    assert render.RECENT[-1].peak_rss_mib > 0


def test_a_busy_renderer_answers_503_instead_of_queueing_forever(app, heavy_list):
    app.config.update(REPORT_RENDER_CONCURRENCY=1, REPORT_RENDER_SECONDS=1)
    slot = render._slot(1)
    assert slot.acquire(timeout=5)  # another report is rendering
    try:
        response = heavy_list.get("/development/report.pdf?q=Kehityskohde+1")
    finally:
        slot.release()

    assert response.status_code == 503
    assert "Other reports are being produced right now" in response.get_data(
        as_text=True
    )


def test_reports_render_again_after_the_render_server_died(app, db):
    fetcher = ReportFetcher(org_id=1, photos={}, store=photo_store(), static_dir=STATIC)
    html = '<link rel="stylesheet" href="polku:static/css/report.css"><p>Öljy Åke</p>'
    render.html_to_pdf(html, fetcher)
    render._server._process.kill()
    render._server._process.wait()

    data = render.html_to_pdf(html, fetcher)

    assert "Öljy Åke" in pdf_text(data)


def test_the_app_process_never_loads_weasyprint(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from auditapp import create_app
        from auditapp.core.storage import LocalPhotoStore
        from auditapp.reports import render
        from auditapp.reports.fetcher import ReportFetcher

        app = create_app({{
            "DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40,
            "INSTANCE_PATH": {str(tmp_path)!r},
        }})
        with app.app_context():
            fetcher = ReportFetcher(
                org_id=1, photos={{}}, store=LocalPhotoStore({str(tmp_path)!r}),
                static_dir=Path(app.static_folder),
            )
            data = render.html_to_pdf("<p>hei</p>", fetcher)
        print(data[:5].decode(), "weasyprint" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert done.stdout.split() == ["%PDF-", "False"]
