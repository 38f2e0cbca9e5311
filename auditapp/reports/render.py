"""Turning a report into PDF bytes: templates here, layout in a render process.

`render_report(kind, report, …) -> bytes` is the one entry point; a background
worker can call it as the views do. The HTML is rendered here (Jinja, the user's
language); the layout runs in a fresh process per report, forked from a render
server (`python -m auditapp.reports.pdf`, one per app process, started on first use)
that has loaded only WeasyPrint and the fonts, so that

* the render's memory is its own and bounded (`RLIMIT_AS`), and is given back to the
  system when the process ends: a web worker never grows by a report's size, and
  nothing leaks from one render to the next (performance.md §1.10, B11);
* a render that overruns its time is ended by the kernel (SIGALRM), and the user
  gets a clean 503 with a message; the waiting thread holds no lock and no GIL, so
  other requests go on (reliability.md test 16);
* at most REPORT_RENDER_CONCURRENCY renders run per app process.

The render process is handed no resources: WeasyPrint's fetcher there asks this
process for every URL, and `ReportFetcher` decides (reports/fetcher.py). It runs
as the same OS user, so this is a policy on what it fetches, not a sandbox.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection, answer_challenge
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from auditapp.core.errors import DomainError
from auditapp.core.storage import PhotoStore
from auditapp.reports.fetcher import (
    PhotoFile,
    ReportFetcher,
    ResourceRefused,
    StylesheetMissing,
    pdf_asset,
    pdf_photo,
)

log = logging.getLogger(__name__)

#: Kinds of report and their templates under templates/reports/pdf/.
KINDS = ("audit", "development_list", "journey_map")
#: The folder that holds the auditapp package, for the render server's imports.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
#: How long past its own limit a render process may take to answer before the app
#: process stops waiting (the kernel has ended it by then).
GRACE_SECONDS = 5
#: Figures of the latest renders of this process (newest last), for logs/benchmarks.
RECENT: deque[RenderStats] = deque(maxlen=50)


class ReportUnavailable(DomainError):
    """The report could not be produced within the limits; try again or narrow it."""

    status = 503
    retry_after = 30


class RenderFailed(RuntimeError):
    """The render process failed for a reason that is not the report's size."""


@dataclass(frozen=True)
class Limits:
    """What one render may use."""

    seconds: float
    memory_mb: int | None
    concurrency: int

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            seconds=float(config["REPORT_RENDER_SECONDS"]),
            memory_mb=int(config["REPORT_RENDER_MEMORY_MB"]) or None,
            concurrency=max(1, int(config["REPORT_RENDER_CONCURRENCY"])),
        )


@dataclass(frozen=True)
class RenderStats:
    """One finished render: its size, time and the render process's peak memory."""

    pdf_bytes: int
    seconds: float
    layout_seconds: float
    layout_cpu_seconds: float
    peak_rss_mib: float


class _RenderServer:
    """This app process's render server: started on first use, restarted if gone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._owner = 0
        self._dir = ""
        self.socket_path = ""
        self.authkey = b""

    def connect(self) -> Connection:
        """Return an authenticated connection to a fresh render process."""
        for attempt in (1, 2):
            path, key = self._ensure_running(restart=attempt == 2)
            try:
                client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                client.connect(path)
            except OSError:
                client.close()
                if attempt == 2:
                    raise
                continue
            conn = Connection(client.detach())
            answer_challenge(conn, key)
            return conn
        raise AssertionError("unreachable")

    def _ensure_running(self, *, restart: bool) -> tuple[str, bytes]:
        with self._lock:
            alive = (
                self._process is not None
                and self._owner == os.getpid()  # not a server of a forked parent
                and self._process.poll() is None
            )
            if restart or not alive:
                self._start()
            return self.socket_path, self.authkey

    def _start(self) -> None:
        self.close()
        # A private folder: only this user can reach the socket; the key proves
        # the caller is this app process.
        self._dir = tempfile.mkdtemp(prefix="polku-render-")
        self.socket_path = os.path.join(self._dir, "render.sock")
        self.authkey = secrets.token_bytes(32)
        paths = [str(SOURCE_ROOT), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
        self._process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "auditapp.reports.pdf", self.socket_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env=env,
        )
        self._owner = os.getpid()
        self._process.stdin.write(self.authkey.hex().encode() + b"\n")
        self._process.stdin.flush()  # stays open: the server ends when it closes
        if self._process.stdout.readline() != b"ready\n":
            self.close()
            raise RenderFailed("the PDF render server did not start")

    def close(self) -> None:
        """Stop this process's render server (renders in progress end with it)."""
        if self._process is not None and self._owner == os.getpid():
            self._process.stdin.close()  # the server's signal to stop
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stdout.close()
        self._process = None
        if self._dir and self._owner == os.getpid():
            shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = ""


_server = _RenderServer()
atexit.register(_server.close)
_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _slot(concurrency: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(concurrency, threading.BoundedSemaphore(concurrency))


def render_html(kind: str, report, *, asset, photo_url) -> str:
    """Render a report template with the given URL builders (PDF or preview)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    return render_template(
        f"reports/pdf/{kind}.html", report=report, asset=asset, photo_url=photo_url
    )


def render_report(
    kind: str,
    report,
    *,
    photos: Mapping[int, PhotoFile],
    store: PhotoStore,
    locale: str,
) -> bytes:
    """Render one report to PDF bytes in the given language.

    `report` is the plain dataclass from reports/context.py; `photos` are the only
    photos the PDF may embed. Needs an app context (templates, static folder,
    limits). Raises ReportUnavailable (503) when the render overruns its limits.
    """
    fetcher = ReportFetcher(
        org_id=report.org_id,
        photos=photos,
        store=store,
        static_dir=Path(current_app.static_folder),
    )
    with force_locale(locale):
        html = render_html(kind, report, asset=pdf_asset, photo_url=pdf_photo)
    return html_to_pdf(html, fetcher)


def html_to_pdf(
    html: str, fetcher: ReportFetcher, limits: Limits | None = None
) -> bytes:
    """Lay out report HTML in a render process; every fetch goes through `fetcher`."""
    limits = limits or Limits.from_config()
    slot = _slot(limits.concurrency)
    if not slot.acquire(timeout=limits.seconds):
        raise ReportUnavailable(
            _("Other reports are being produced right now. Try again in a moment.")
        )
    try:
        return _render_in_process_of_its_own(html, fetcher, limits)
    finally:
        slot.release()


def _render_in_process_of_its_own(
    html: str, fetcher: ReportFetcher, limits: Limits
) -> bytes:
    started = time.perf_counter()
    memory = limits.memory_mb * 2**20 if limits.memory_mb else None
    conn = _server.connect()
    try:
        conn.send(("render", html, memory, limits.seconds))
        deadline = time.monotonic() + limits.seconds + GRACE_SECONDS
        while True:
            message = _next_message(conn, deadline)
            if "fetch" in message:
                conn.send(_answer(fetcher, str(message["fetch"])))
                continue
            data = _receive(conn, deadline) if "done" in message else None
            if data and data.startswith(b"%PDF-"):
                return _finished(data, message["done"], started)
            elapsed = time.perf_counter() - started
            kind = str(message.get("error", "ended"))
            raise _failure(kind, str(message.get("detail", "")), limits, elapsed)
    finally:
        conn.close()


def _receive(conn: Connection, deadline: float) -> bytes | None:
    """Return the next bytes from the render process, or None when it has gone."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not conn.poll(remaining):
        return None
    try:
        return conn.recv_bytes()
    except (EOFError, OSError):  # ended by the kernel: out of time or memory
        return b""


def _next_message(conn: Connection, deadline: float) -> dict:
    """Return the render process's next JSON message (never unpickled)."""
    data = _receive(conn, deadline)
    if data is None:
        return {"error": "time", "detail": "no answer"}
    if not data:
        return {"error": "ended"}
    try:
        message = json.loads(data)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        return {"error": "failed", "detail": "unreadable answer"}
    return message


def _answer(fetcher: ReportFetcher, url: str) -> tuple:
    try:
        found = fetcher.fetch(url)
    except StylesheetMissing as error:
        return ("fatal", str(error))
    except ResourceRefused as error:
        return ("refused", str(error))
    return ("ok", found.data, found.content_type)


def _finished(data: bytes, stats, started: float) -> bytes:
    stats = stats if isinstance(stats, dict) else {}
    figures = RenderStats(
        pdf_bytes=len(data),
        seconds=time.perf_counter() - started,
        layout_seconds=float(stats.get("seconds", 0)),
        layout_cpu_seconds=float(stats.get("cpu_seconds", 0)),
        peak_rss_mib=float(stats.get("peak_rss_mib", 0)),
    )
    RECENT.append(figures)
    log.info(
        "report rendered: %d KiB in %.2f s, render process peak %.0f MiB",
        figures.pdf_bytes // 1024,
        figures.seconds,
        figures.peak_rss_mib,
    )
    return data


def _failure(kind: str, detail: str, limits: Limits, elapsed: float) -> Exception:
    """Return the error for a render that did not finish."""
    if kind == "failed":
        return RenderFailed(detail)
    if kind == "time" or elapsed >= limits.seconds:
        log.warning("report render stopped after %.1f s: %s", elapsed, kind)
        return ReportUnavailable(
            ngettext(
                "The report took longer than %(num)d second to produce and was "
                "stopped. Narrow it down (fewer items, a shorter period) and "
                "try again.",
                "The report took longer than %(num)d seconds to produce and was "
                "stopped. Narrow it down (fewer items, a shorter period) and "
                "try again.",
                int(limits.seconds),
            )
        )
    # Out of memory: a MemoryError reported, or the process ended in C code.
    log.warning(
        "report render ran out of memory (limit %s MiB) after %.1f s: %s",
        limits.memory_mb,
        elapsed,
        kind,
    )
    return ReportUnavailable(
        _(
            "The report needed more memory than the server allows for one report. "
            "Narrow it down (fewer items, a shorter period) and try again."
        )
    )
