"""PDF report benchmarks B1–B4 and B11: ratios against baselines in the same run.

Run from the repository root (not collected by pytest; exits non-zero on a miss):

    .venv/bin/python -m tests.benchmarks.bench_reports [--runs 5] [--smoke] [--dir PATH]

Each measurement runs in a fresh worker process (`--worker CASE`), so its peak RSS
(VmHWM) is that process's alone and not the setup's.

  B1   audit with 50 friction points and 100 synthetic 12 MP phone photos (EXIF, half
       Orientation 6) uploaded through the real endpoint, rendered through the real
       route (DB + template + photo store + render process), against WeasyPrint on
       bare HTML with the same stored 1600 px photos: time ≤ 1.5×, peak RSS ≤ 1.5×,
       PDF bytes ≤ 1.2×. Three bare baselines, all printed:
       - "own HTML": stock WeasyPrint, outside the app, on the report's own HTML and
         stylesheet with the stored photos as files. B1 time is gated against it:
         it is what the app adds to WeasyPrint (database, template, photo store,
         render process, fetcher). B2 shows that the photos take the fast path.
       - "text+photos": the report's text, one <p> per block, no stylesheet, and
         the photos. Our own layout budget (≤ 2.5×), so that a costlier template
         (tables, nested flex) shows up; the designed report takes about 2× what
         plain paragraphs of its text and photos take.
       - "photos alone": the issue's wording. Peak RSS and PDF bytes are gated
         against it (photos are what memory and bytes are made of).
       Peak RSS of the app is the render process's (the app process never loads
       WeasyPrint); the app process's own growth is printed beside it.
  B2   negative control: bare HTML with the raw uploads; B1 time ≤ 0.2× of it.
  B3   development list report of 2,000 items through the real route, against a bare
       one-<div>-per-row list of the same text: ≤ 1.5×; t(2000)/t(500) ≤ 4.5.
  B4   the audit report and the journey map with their SVG charts, against the same
       HTML with every <svg> emptied (same box): ≤ 1.2×; ≤ 300 elements per chart.
  B11  20 consecutive B1 renders through one app process: its RSS after #20 ≤ 1.2×
       after #1 (each render runs in a fresh render process; their peaks are
       printed too).

--smoke shrinks everything (10 photos, 200/50 items, one run) to check the script.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

PASSWORD = "correct horse battery"
LIMITS = {
    "B1 time": 1.5,
    "B1 layout budget": 2.5,
    "B1 info: time vs photos only": None,
    "B1 peak RSS": 1.5,
    "B1 info: RSS vs text+photos": None,
    "B1 PDF bytes": 1.2,
    "B2 B1/raw time": 0.2,
    "B3 time": 1.5,
    "B3 t(2000)/t(500)": 4.5,
    "B4 audit": 1.2,
    "B4 map": 1.2,
    "B11 RSS #20/#1": 1.2,
}


# --- fixtures -----------------------------------------------------------------


def phone_photo(seed: int, orientation: int) -> bytes:
    """Return a 4000×3000 q90 JPEG with photo-like detail and an EXIF block."""
    from PIL import Image

    size = (4000, 3000)
    fractal = Image.effect_mandelbrot(
        (1000, 750), (-2.2 + seed * 0.05, -1.2, 1.0, 1.2), 60
    ).resize(size, Image.Resampling.BILINEAR)
    noise = Image.effect_noise(size, 30 + seed)
    red = Image.blend(Image.linear_gradient("L").resize(size), noise, 0.2)
    img = Image.merge("RGB", (red, fractal, Image.blend(fractal, noise, 0.3)))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "BenchPhone"
    exif.get_ifd(0x8825).update({1: "N", 2: (60.0, 10.0, 12.5)})
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def make_app(root: Path):
    """Return the app on the benchmark's SQLite file and photo folder."""
    from auditapp import create_app
    from tests.conftest import BrowserLikeClient

    app = create_app(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite3'}",
            "PHOTO_DIR": str(root / "photos"),
            "SECRET_KEY": "benchmark-secret-key-long-enough",
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )
    app.test_client_class = BrowserLikeClient
    return app


def _signed_in(app, email: str):
    from tests.conftest import sign_in

    client = app.test_client()
    if sign_in(client, email, PASSWORD).status_code != 303:
        raise RuntimeError(f"could not sign in {email}")
    return client


def setup_audit(root: Path, photos: int, stages: int = 5) -> dict:
    """Create the B1 audit; upload the photos through POST /friction/<id>/photos."""
    from sqlalchemy import select

    from auditapp.audits import services as audits
    from auditapp.auth.models import User
    from auditapp.extensions import db
    from auditapp.findings import services as findings
    from auditapp.findings.models import FrictionPoint
    from tests.conftest import csrf_token
    from tests.report_data import make_submitted_audit

    raw_dir = root / "raw"
    raw_dir.mkdir()
    sources = [phone_photo(i, 6 if i % 2 == 0 else 1) for i in range(10)]
    app = make_app(root)
    with app.app_context():
        db.create_all()
        made = make_submitted_audit(
            stages=stages,
            touchpoints=5,
            expectations=3,
            points_per_visit=2,
            photos_per_point=0,
            submit=False,
        )
        point_ids = list(
            db.session.execute(
                select(FrictionPoint.id).where(FrictionPoint.audit_id == made.audit_id)
            ).scalars()
        )
    client = _signed_in(app, made.auditor_email)
    for n in range(photos):
        data = sources[n % len(sources)]
        (raw_dir / f"{n:03d}.jpg").write_bytes(data)
        point = point_ids[n % len(point_ids)]
        response = client.post(
            f"/friction/{point}/photos",
            data={"photo": (io.BytesIO(data), f"IMG_{n:04d}.JPG")},
            headers={
                "X-CSRFToken": csrf_token(client, f"/friction/{point}"),
                "Accept": "application/json",
            },
            content_type="multipart/form-data",
        )
        if response.status_code != 201:
            raise RuntimeError(f"upload failed: {response.status_code}")
    with app.app_context():
        audit = audits.load_audit(made.org_id, made.audit_id)
        auditor = db.session.execute(
            select(User).where(User.email == made.auditor_email)
        ).scalar_one()
        audits.submit_audit(audit, actor=auditor)
        db.session.commit()
        store = findings.photo_store()
        from auditapp.findings.models import Photo

        keys = db.session.execute(select(Photo.key).order_by(Photo.id)).scalars()
        display = [str(store._path(key)) for key in keys]
    bare_text = root / "bare-text.html"
    bare_text.write_text(_bare_text_html(app, made.org_id, made.audit_id))
    own_html = root / "own.html"
    own_html.write_text(_own_html(app, made.org_id, made.audit_id))
    return {
        "bare_text": str(bare_text),
        "own_html": str(own_html),
        "audit_id": made.audit_id,
        "org_id": made.org_id,
        "manager": made.manager_email,
        "display": display,
        "raw": sorted(str(p) for p in raw_dir.iterdir()),
        "points": len(point_ids),
    }


#: Markers while flattening the report: a photo id follows, a block ends.
IMG, END = "\x02", "\x03"


def _bare_text_html(app, org_id: int, audit_id: int) -> str:
    """The audit report's text, one <p> per block, and its photos two per row."""
    from auditapp.findings.services import photo_store
    from auditapp.reports import context, render
    from auditapp.reports.fetcher import pdf_asset, pdf_photo

    with app.test_request_context():
        report = context.build_audit_report(org_id, audit_id)
        html = render.render_html("audit", report, asset=pdf_asset, photo_url=pdf_photo)
        store = photo_store()
        paths = {pid: store._path(p.key).as_uri() for pid, p in report.photos.items()}
    body = html.split("<body", 1)[1]
    body = re.sub(r"<svg\b.*?</svg>", "", body, flags=re.S)  # B4 measures charts
    photo = r'<img src="polku:photo/(\d+)/display"[^>]*>'
    body = re.sub(photo, lambda m: f"{IMG}{m[1]}{IMG}", body)
    blocks = "p|div|li|h1|h2|h3|h4|dd|dt|tr|section|figure|figcaption|th|td"
    body = re.sub(rf"</({blocks})>", END, body)
    body = re.sub(r"<[^>]+>", " ", body)
    out = []
    for part in re.split(f"({IMG}\\d+{IMG}|{END})", body):
        if part.startswith(IMG):
            out.append(f'<img src="{paths[int(part.strip(IMG))]}">')
        elif part != END and part.strip():
            out.append(f"<p>{' '.join(part.split())}</p>")
    return (
        "<html><head><style>img{width:48%;margin:1mm}</style></head><body>"
        + "".join(out)
        + "</body></html>"
    )


def setup_items(root: Path, counts: list[int]) -> dict:
    """Add one organisation per count, each with that many development items."""
    from auditapp.core.tenancy import Role
    from auditapp.development.models import DevelopmentItem, ItemStatus
    from auditapp.development.priority import Effort, ItemFacts, score
    from auditapp.extensions import db
    from tests import factories

    app = make_app(root)
    managers = {}
    with app.app_context():
        for count in counts:
            org = factories.make_org(f"Lista {count} Öö")
            manager = factories.make_user(org, Role.MANAGER, name="Päällikkö Åke")
            journey = factories.make_journey(org, name="Ravintolakäynti")
            rows = []
            for n in range(count):
                severity, seen, crit = n % 4 + 1, n % 7 + 1, n % 3 + 1
                effort = [Effort.S, Effort.M, Effort.L, None][n % 4]
                rows.append(
                    DevelopmentItem(
                        org_id=org.id,
                        title=f"Kehityskohde {n}: jono kassalla, vain yksi kassa auki",
                        description="Asiakkaat odottivat pitkään.",
                        status=[ItemStatus.NEW, ItemStatus.PLANNED][n % 2],
                        owner_id=manager.id if n % 3 else None,
                        due_date=date(2026, 1 + n % 12, 1 + n % 28),
                        effort=effort,
                        journey_id=journey.id,
                        stage_name=f"Vaihe {n % 5 + 1}",
                        channel="phone",
                        severity=severity,
                        audits_seen=seen,
                        criticality=crit,
                        priority_score=score(
                            ItemFacts(severity, seen, crit, effort)
                        ).score,
                    )
                )
            db.session.add_all(rows)
            db.session.commit()
            managers[count] = manager.email
            _bare_list_path(root, count).write_text(_bare_list_html(app, org.id))
    return managers


# --- workers (one process per measurement) --------------------------------------


def peak_rss_mib() -> float:
    """Return this process's peak resident set size (VmHWM) in MiB.

    Not ru_maxrss: a child inherits its parent's figure across fork, and the parent
    here holds the setup's decoded 12 MP photos.
    """
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def current_rss_mib() -> float:
    """Return this process's current resident set size in MiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _timed(fn, runs: int) -> tuple[list[float], bytes]:
    times, data = [], b""
    for _ in range(runs):
        started = time.perf_counter()
        data = fn()
        times.append(time.perf_counter() - started)
    return times, data


def _route(root: Path, email: str, url: str):
    app = make_app(root)
    client = _signed_in(app, email)

    def get() -> bytes:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        return response.data

    return get


def _stock_weasyprint(html: str):
    """Return a render of `html` on stock WeasyPrint in this (lean) worker.

    One font configuration for the warm-up and the timed renders, as the app's
    render server keeps one, so no baseline loads its fonts on every render.
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return lambda: weasyprint.HTML(string=html).write_pdf(font_config=fonts)


def _bare_file(path: str | Path):
    return _stock_weasyprint(Path(path).read_text())


def _bare(paths: list[str]):
    images = "".join(
        f'<div class="p"><img src="file://{path}"></div>' for path in paths
    )
    html = (
        "<html><head><style>.p{display:inline-block;width:48%;margin:1mm}"
        "img{width:100%}</style></head><body>" + images + "</body></html>"
    )
    return _stock_weasyprint(html)


def _bare_list_path(root: Path, count: int | str) -> Path:
    """Where setup writes the bare list of `count` items."""
    return root / f"bare-list-{count}.html"


def _bare_list_html(app, org_id: int) -> str:
    """A one-<div>-per-row list with the text each item of the report prints."""
    from auditapp.development.queries import ListFilters
    from auditapp.reports import render
    from auditapp.reports.fetcher import pdf_asset, pdf_photo
    from auditapp.reports.list_context import build_development_list_report

    with app.test_request_context():
        report = build_development_list_report(org_id, ListFilters())
        html = render.render_html(
            "development_list", report, asset=pdf_asset, photo_url=pdf_photo
        )
    items = re.findall(r'<div class="item[^"]*">(.*?)\n  </div>', html, flags=re.S)
    rows = "".join(
        "<div>" + " ".join(re.sub(r"<[^>]+>", " ", item).split()) + "</div>"
        for item in items
    )
    return f"<html><body>{rows}</body></html>"


def _own_html(app, org_id: int, audit_id: int) -> str:
    """The app's own audit-report HTML and stylesheet, with file:// URLs."""
    from auditapp.findings.services import photo_store
    from auditapp.reports import context, render

    static = Path(app.static_folder)
    with app.test_request_context():
        report = context.build_audit_report(org_id, audit_id)
        store = photo_store()
        html = render.render_html(
            "audit",
            report,
            asset=lambda path: (static / path).as_uri(),
            photo_url=lambda photo_id, variant="display": store._path(
                report.photos[photo_id].key
            ).as_uri(),
        )
    # The stylesheet's fonts are polku: URLs; point them at the files too.
    css = (
        (static / "css/report.css")
        .read_text()
        .replace("polku:static/", static.as_uri() + "/")
    )
    return html.replace("</head>", f"<style>{css}</style></head>")


def _charts(root: Path, email: str, spec: dict) -> dict:
    """B4: each report as is and with every <svg> emptied, timed in this process."""
    from flask_login import login_user
    from sqlalchemy import select

    from auditapp.audits.models import Audit
    from auditapp.auth.models import User
    from auditapp.extensions import db
    from auditapp.findings.services import photo_store
    from auditapp.reports import context, map_context, render
    from auditapp.reports.fetcher import ReportFetcher, pdf_asset, pdf_photo

    app = make_app(root)
    results = {}
    with app.test_request_context():
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        login_user(user)
        audit = context.build_audit_report(spec["org_id"], spec["audit_id"])
        journey_id = db.session.execute(
            select(Audit.journey_id).where(Audit.id == spec["audit_id"])
        ).scalar_one()
        board = map_context.build_journey_map(
            spec["org_id"], journey_id, date(2026, 1, 1), date(2026, 12, 31)
        )
        fetcher = ReportFetcher(
            org_id=spec["org_id"],
            photos={},  # no photos: B4 is about the charts
            store=photo_store(),
            static_dir=Path(app.static_folder),
        )
        for name, kind, report in (
            ("audit", "audit", audit),
            ("map", "journey_map", board),
        ):
            html = render.render_html(
                kind, report, asset=pdf_asset, photo_url=pdf_photo
            )
            html = re.sub(r'<img src="polku:photo[^>]*>', "", html)
            svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
            elements = [len(re.findall(r"<[a-z]", svg)) for svg in svgs]
            boxed = re.sub(r"(<svg\b[^>]*>).*?</svg>", r"\1</svg>", html, flags=re.S)
            render.html_to_pdf(html, fetcher)  # warm-up: templates, render server
            charts, empty = [], []
            # Alternate (shared load hits both alike); the map renders in ~0.15 s,
            # so take at least 15 pairs (performance.md §8).
            for _round in range(max(spec["runs"] * 3, 15)):
                charts += _timed(lambda h=html: render.html_to_pdf(h, fetcher), 1)[0]
                empty += _timed(lambda h=boxed: render.html_to_pdf(h, fetcher), 1)[0]
            results[name] = {
                "charts": charts,
                "empty": empty,
                "svgs": len(svgs),
                "max_elements": max(elements, default=0),
            }
    return results


def _b11(root: Path, spec: dict) -> dict:
    from auditapp.reports import render

    fn = _route(root, spec["manager"], f"/audits/{spec['audit_id']}/report.pdf")
    rss, render_peaks = [], []
    for _ in range(spec["renders"]):
        fn()
        rss.append(current_rss_mib())
        render_peaks.append(render.RECENT[-1].peak_rss_mib)
    return {"rss": rss, "render_peaks": render_peaks}


def _renderer(case: str, root: Path, spec: dict):
    """Return the render callable a timed case measures."""
    audit_url = f"/audits/{spec['audit_id']}/report.pdf"
    size = case.rsplit("-", 1)[1]
    factories = {
        "b1-app": lambda: _route(root, spec["manager"], audit_url),
        "b1-bare": lambda: _bare(spec["display"]),
        "b1-text": lambda: _bare_file(spec["bare_text"]),
        "b1-own": lambda: _bare_file(spec["own_html"]),
        "b2-raw": lambda: _bare(spec["raw"]),
        f"b3-app-{size}": lambda: _route(
            root, spec["lists"][size], "/development/report.pdf"
        ),
        f"b3-bare-{size}": lambda: _bare_file(_bare_list_path(root, size)),
    }
    if case not in factories:
        raise SystemExit(f"unknown case {case}")
    return factories[case]()


def worker(case: str, root: Path, spec: dict) -> dict:
    """Run one measured case in this process and return its figures."""
    if case == "b4":
        return _charts(root, spec["manager"], spec)
    if case == "b11":
        return _b11(root, spec)
    fn = _renderer(case, root, spec)
    if spec.get("warm", True):
        fn()  # first render pays one-time costs: templates, render server start
    before = current_rss_mib()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset VmHWM: the peak from here on is the renders' own
    times, data = _timed(fn, spec["runs"])
    result = {"times": times, "peak_rss": peak_rss_mib(), "bytes": len(data)}
    if "-app" in case:
        from auditapp.reports import render

        renders = list(render.RECENT)[-spec["runs"] :]
        # The report's memory is the render process's; the app process's own
        # growth while rendering is reported beside it.
        result["peak_rss"] = max(r.peak_rss_mib for r in renders)
        result["app_growth"] = peak_rss_mib() - before
        result["app_rss"] = before
    return result


def run_worker(case: str, root: Path, spec: dict) -> dict:
    """Run a case in a fresh interpreter and return what it printed."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.bench_reports",
            "--worker",
            case,
            "--dir",
            str(root),
        ],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the run ------------------------------------------------------------------


def ratio_lines(results: dict) -> list[tuple[str, float, str]]:
    """Return (target, ratio, figures) for every gated ratio."""
    med = statistics.median
    b1, bare, raw = results["b1-app"], results["b1-bare"], results["b2-raw"]
    same, text = results["b1-own"], results["b1-text"]
    lines = [
        (
            "B1 time",
            med(b1["times"]) / med(same["times"]),
            f"{med(b1['times']):.2f} s vs {med(same['times']):.2f} s: stock "
            "WeasyPrint on the report's own HTML and the stored photos",
        ),
        (
            "B1 layout budget",
            med(b1["times"]) / med(text["times"]),
            f"{med(b1['times']):.2f} s vs {med(text['times']):.2f} s: bare HTML with "
            "the report's text and photos",
        ),
        (
            "B1 info: time vs photos only",
            med(b1["times"]) / med(bare["times"]),
            f"{med(b1['times']):.2f} s vs {med(bare['times']):.2f} s: bare HTML with "
            "the photos alone",
        ),
        (
            "B1 peak RSS",
            b1["peak_rss"] / bare["peak_rss"],
            f"render process {b1['peak_rss']:.0f} MiB vs {bare['peak_rss']:.0f} MiB "
            "(photos alone)",
        ),
        (
            "B1 info: RSS vs text+photos",
            b1["peak_rss"] / text["peak_rss"],
            f"{b1['peak_rss']:.0f} MiB vs {text['peak_rss']:.0f} MiB; the app process "
            f"({b1['app_rss']:.0f} MiB) grew {b1['app_growth']:.1f} MiB rendering",
        ),
        (
            "B1 PDF bytes",
            b1["bytes"] / bare["bytes"],
            f"{b1['bytes'] / 2**20:.1f} MiB vs {bare['bytes'] / 2**20:.1f} MiB",
        ),
        (
            "B2 B1/raw time",
            med(b1["times"]) / med(raw["times"]),
            f"{med(b1['times']):.2f} s vs raw {med(raw['times']):.2f} s "
            f"({raw['peak_rss']:.0f} MiB, {raw['bytes'] / 2**20:.1f} MiB PDF)",
        ),
    ]
    big, small = results["sizes"]
    app_big = med(results[f"b3-app-{big}"]["times"])
    bare_big = med(results[f"b3-bare-{big}"]["times"])
    app_small = med(results[f"b3-app-{small}"]["times"])
    lines += [
        ("B3 time", app_big / bare_big, f"{app_big:.2f} s vs {bare_big:.2f} s"),
        (
            "B3 t(2000)/t(500)",
            app_big / app_small,
            f"{app_big:.2f} s vs {app_small:.2f} s ({big}/{small} items)",
        ),
    ]
    for name in ("audit", "map"):
        chart = results["b4"][name]
        lines.append(
            (
                f"B4 {name}",
                med(chart["charts"]) / med(chart["empty"]),
                f"{med(chart['charts']):.3f} s vs {med(chart['empty']):.3f} s, "
                f"{chart['svgs']} SVGs, largest {chart['max_elements']} elements",
            )
        )
    rss, peaks = results["b11"]["rss"], results["b11"]["render_peaks"]
    lines.append(
        (
            "B11 RSS #20/#1",
            rss[-1] / rss[0],
            f"app process {rss[0]:.0f} MiB after #1, {rss[-1]:.0f} MiB after "
            f"#{len(rss)}; render processes peaked at {min(peaks):.0f}–"
            f"{max(peaks):.0f} MiB",
        )
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--worker")
    args = parser.parse_args(argv)
    if args.worker:
        result = worker(args.worker, args.dir, json.loads(sys.stdin.read()))
        print(json.dumps(result))
        return 0
    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    runs = 1 if args.smoke else args.runs
    photos, sizes = (10, (200, 50)) if args.smoke else (100, (2000, 500))
    started = time.perf_counter()
    spec = setup_audit(root, photos)
    spec["lists"] = {str(k): v for k, v in setup_items(root, list(sizes)).items()}
    spec["runs"], spec["renders"] = runs, (3 if args.smoke else 20)
    print(f"setup {time.perf_counter() - started:.0f} s in {root}", flush=True)
    results: dict = {"sizes": sizes}
    # Time ratios: cases of one comparison alternate, one timed render per fresh
    # worker (after a warm-up), so load from other processes hits both sides alike.
    groups = [
        ["b1-app", "b1-text", "b1-bare", "b1-own"],
        *[[f"b3-app-{n}", f"b3-bare-{n}"] for n in sizes],
    ]
    for group in groups:
        for _round in range(runs):
            for case in group:
                one = run_worker(case, root, dict(spec, runs=1))
                into = results.setdefault(case, {"times": [], "peak_rss": 0.0})
                into["times"] += one["times"]
                for key in ("peak_rss", "app_growth", "app_rss"):
                    if key in one:
                        into[key] = max(into.get(key, 0.0), one[key])
                into["bytes"] = one["bytes"]
        print(f"  {' '.join(group)} done", flush=True)
    raw_runs = 1 if args.smoke else 2
    results["b2-raw"] = run_worker(
        "b2-raw", root, dict(spec, runs=raw_runs, warm=False)
    )
    results["b4"] = run_worker("b4", root, spec)
    results["b11"] = run_worker("b11", root, spec)
    print("  b2 b4 b11 done", flush=True)
    failed = 0
    print(f"\nreport benchmarks ({'smoke' if args.smoke else f'{runs} runs'})")
    for name, ratio, figures in ratio_lines(results):
        limit = LIMITS[name]
        if limit is None:
            print(f"info {name:<28} {ratio:5.2f}         ({figures})")
            continue
        ok = ratio <= limit
        failed += not ok
        print(
            f"{'ok  ' if ok else 'MISS'} {name:<28} {ratio:5.2f} ≤ {limit}  ({figures})"
        )
    too_big = [
        name for name, chart in results["b4"].items() if chart["max_elements"] > 300
    ]
    if too_big:
        failed += 1
        print(f"MISS B4 charts over 300 elements: {too_big}")
    return 1 if failed and not args.smoke else 0


if __name__ == "__main__":
    raise SystemExit(main())
