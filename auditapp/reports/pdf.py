"""PDF layout: the only module that imports WeasyPrint (architecture.md).

It runs in a render server of its own (`python -m auditapp.reports.pdf`, started by
reports/render.py): a lean interpreter that has loaded WeasyPrint and its fonts once
and nothing of the web app. The server forks one process per report. Every URL the
document asks for goes back to the app process, whose ReportFetcher decides
(reports/fetcher.py). It lives for one report,
under an address-space limit, and the kernel ends it when it overruns its time
(performance.md §1.10, reliability.md test 16).

Does not import Flask.
"""

from __future__ import annotations

import gc
import io
import json
import math
import os
import resource
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, deliver_challenge
from pathlib import Path

from PIL import Image, ImageFile
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from auditapp.reports.fetcher import BASE_URL, SCHEME, Resource, StylesheetMissing

# Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which
# would let truncated uploads through core/images (reliability.md I8). Report photos
# are whole, normalised JPEGs, so restore Pillow's default.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# One font configuration per process, built in the fork server: building it scans
# fontconfig (performance.md §2). Each render process inherits it.
FONT_CONFIG = FontConfiguration()

#: Objects a render process allocates between two collections of its youngest
#: generation (Python's default is 700).
RENDER_GC_THRESHOLD = 50_000

#: fetch(url) -> Resource; raises ValueError to refuse, StylesheetMissing to stop.
Fetch = Callable[[str], Resource]


class RenderError(RuntimeError):
    """The document could not be laid out (a broken deployment, not the user's data)."""


class _Fetcher(URLFetcher):
    """WeasyPrint's door to resources: only `polku:` URLs, each asked of `fetch`."""

    def __init__(self, fetch: Fetch) -> None:
        super().__init__(allowed_protocols=(SCHEME,), allow_redirects=False)
        self._fetch = fetch

    def fetch(self, url, headers=None):
        try:
            found = self._fetch(url)
        except StylesheetMissing as error:
            raise FatalURLFetchingError(str(error)) from error
        return URLFetcherResponse(url, found.data, {"Content-Type": found.content_type})


def write_pdf(html: str, fetch: Fetch) -> bytes:
    """Lay out report HTML and return the PDF; every resource comes from `fetch`."""
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=_Fetcher(fetch))
        # A per-job image cache: nothing from one organisation's render stays for
        # the next.
        return document.write_pdf(font_config=FONT_CONFIG, cache={})
    except FatalURLFetchingError as error:
        # A BaseException: turn it into an ordinary error.
        raise RenderError(str(error)) from error


def peak_rss_mib() -> float:
    """Return this process's peak resident set size (VmHWM) in MiB, 0 if unknown."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def serve_forever(socket_path: str, authkey: bytes) -> None:
    """Run the render server: one forked process per connection, until stdin closes.

    Started by the app process (reports/render.py) with this module, WeasyPrint and
    the font configuration already loaded, so a render process starts in
    milliseconds and shares those pages with the server.
    """
    try:
        _warm_up()
    except Exception as error:  # noqa: BLE001 - renders still work, only slower
        sys.stderr.write(f"polku render server: warm-up failed: {error!r}\n")
    # Everything loaded so far lives as long as the server: keep the collector of
    # each render process off it, so it neither walks it nor copies its pages.
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(16)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        ready, _, _ = select.select([server, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
            return  # the app process is gone
        if server in ready:
            client, _ = server.accept()
            if os.fork() == 0:
                server.close()
                _render_process(client, authkey)
            client.close()


#: A page with what every report uses, laid out once by the server before it forks:
#: the report fonts (installed into FONT_CONFIG), text, a table, an SVG, a JPEG and
#: the page footer. Each render process then starts with WeasyPrint's, cffi's and
#: Pango's first-use work done (cffi parsing its C types alone took a sixth of a
#: first PDF write of the B1 report).
WARM_UP_HTML = """<!doctype html><html lang="fi"><head><meta charset="utf-8">
<link rel="stylesheet" href="polku:static/css/report.css"></head>
<body class="report"><div class="running-title"><span class="running-title__text">
Lämmittely</span><span class="running-title__page">Sivu</span></div>
<h1>Öljy Åke</h1><p><b>Lämmittely</b> <i>ä ö å</i></p>
<table class="grid"><tr><th>Vaihe</th><td class="num">62 %</td></tr></table>
<ul class="checklist"><li><span class="rating rating--met">Täyttyi</span>x</li></ul>
<figure class="chart"><svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/>
<text x="1" y="9" font-size="8">1</text></svg></figure>
<div class="photos"><figure class="photo"><img src="polku:photo/0/display">
<figcaption>x</figcaption></figure></div></body></html>"""


def _warm_up() -> None:
    """Lay out WARM_UP_HTML with the app's own stylesheet and fonts, in this process."""
    static = Path(__file__).resolve().parents[2] / "static"
    image = io.BytesIO()
    Image.new("RGB", (8, 6), "#1f5f8b").save(image, "JPEG")
    own = {
        "polku:static/css/report.css": ("css/report.css", "text/css"),
        "polku:static/fonts/DejaVuSans.ttf": ("fonts/DejaVuSans.ttf", "font/ttf"),
        "polku:static/fonts/DejaVuSans-Bold.ttf": (
            "fonts/DejaVuSans-Bold.ttf",
            "font/ttf",
        ),
    }

    def fetch(url: str) -> Resource:
        if url == "polku:photo/0/display":
            return Resource(image.getvalue(), "image/jpeg")
        if url in own:
            path, content_type = own[url]
            return Resource((static / path).read_bytes(), content_type)
        raise ValueError("not part of the warm-up")

    write_pdf(WARM_UP_HTML, fetch)


def _render_process(client: socket.socket, authkey: bytes) -> None:
    """One render, in a forked child of the server; never returns."""
    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # The process lives for one report, and the boxes WeasyPrint builds are
        # freed by reference counting. Collecting the youngest generation every
        # 700 new objects (Python's default) cost a 2,000-item list report about a
        # tenth of its time; at this threshold the peak memory stays the same.
        gc.set_threshold(RENDER_GC_THRESHOLD, 10, 10)
        conn = Connection(client.detach())
        deliver_challenge(conn, authkey)
        _kind, html, memory_bytes, seconds = conn.recv()
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        # The kernel ends an overrunning render (SIGALRM's default action), whatever
        # the layout code is doing; the app process also stops waiting.
        signal.alarm(max(1, math.ceil(seconds)))
        serve_render(conn, html)
    except BaseException:  # noqa: BLE001 - the app process sees the closed connection
        code = 1
    finally:
        os._exit(code)


def serve_render(conn: Connection, html: str) -> None:
    """Lay out `html`, asking `conn` for every resource, then send the PDF back.

    To the app process go JSON messages only (it never unpickles what a process
    that parsed user content sends): {"fetch": url}, answered by ("ok", data, type),
    ("refused", reason) or ("fatal", reason); then {"done": stats} followed by the
    PDF bytes, or {"error": "memory" | "failed", "detail": text}.
    """
    started, cpu = time.perf_counter(), time.process_time()

    def tell(message: dict) -> None:
        conn.send_bytes(json.dumps(message).encode())

    def ask(url: str) -> Resource:
        tell({"fetch": url})
        answer = conn.recv()
        if answer[0] == "ok":
            return Resource(answer[1], answer[2])
        if answer[0] == "fatal":
            raise StylesheetMissing(answer[1])
        raise ValueError(answer[1])

    try:
        data = write_pdf(html, ask)
    except MemoryError:
        del html  # let go of what we can before answering
        tell({"error": "memory", "detail": "address-space limit reached"})
        return
    except Exception as error:  # noqa: BLE001 - reported to the app process
        tell({"error": "failed", "detail": f"{type(error).__name__}: {error}"[:500]})
        return
    stats = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_mib": peak_rss_mib(),
    }
    tell({"done": stats})
    conn.send_bytes(data)


if __name__ == "__main__":  # python -m auditapp.reports.pdf SOCKET (key on stdin)
    serve_forever(sys.argv[1], bytes.fromhex(sys.stdin.readline().strip()))
