"""A reverse proxy on loopback that breaks sync requests on purpose.

For each POST under /api/v1/ it picks a fault: pass it through, answer 500, answer a
200 HTML "captive portal", redirect to /login, or forward the request and then drop
the connection *after* the server answered (the server committed; the client sees a
network error). Everything else passes through untouched. Bounded and seeded.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("pass", "drop_after_commit", "error_500", "captive_html", "login_redirect")
#: Not in the random mix: hold the request a while, then pass it on (slow network).
SLOW = "slow"
SLOW_SECONDS = 1.5
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade"}
CAPTIVE = b"<!doctype html><title>Wi-Fi</title><p>Accept the terms to continue.</p>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the tests count faults instead
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._proxy()

    def do_POST(self):  # noqa: N802
        self._proxy()

    def _proxy(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = self.server.choose(self.command, self.path)
        if fault == "error_500":
            return self._answer(500, b"<h1>Internal Server Error</h1>", "text/html")
        if fault == "captive_html":
            return self._answer(200, CAPTIVE, "text/html")
        if fault == "login_redirect":
            return self._answer(302, b"", "text/html", {"Location": "/login"})
        if fault == SLOW:
            time.sleep(SLOW_SECONDS)
        status, headers, data = self._forward(body)
        if fault == "drop_after_commit":
            self.close_connection = True
            return None  # the server answered; the client gets nothing
        return self._answer(status, data, None, headers)

    def _forward(self, body):
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        kept = [
            (k, v)
            for k, v in response.getheaders()
            if k.lower() not in HOP_BY_HOP | {"content-length"}
        ]
        upstream.close()
        return response.status, kept, data

    def _answer(self, status, data, content_type, headers=None):
        self.send_response(status)
        items = headers.items() if isinstance(headers, dict) else headers or []
        for key, value in items:
            self.send_header(key, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FaultProxy(ThreadingHTTPServer):
    """The proxy server; `faults` counts what it did."""

    daemon_threads = True

    def __init__(
        self,
        upstream_base: str,
        *,
        seed: int = 1,
        fault_rate: float = 0.5,
        faults: tuple[str, ...] = FAULTS[1:],
    ):
        super().__init__(("127.0.0.1", 0), _Handler)
        parts = urlsplit(upstream_base)
        self.upstream = (parts.hostname, parts.port)
        self.random = random.Random(seed)  # noqa: S311 - test faults, not secrets
        self.fault_rate = fault_rate
        self.choices = faults
        self.faults: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        """Return the proxy's base URL."""
        return f"http://127.0.0.1:{self.server_port}"

    def choose(self, method: str, path: str) -> str:
        """Pick a fault for one request; only sync writes are broken."""
        if method != "POST" or not path.startswith("/api/v1/"):
            return "pass"
        with self.lock:
            if self.random.random() >= self.fault_rate:
                fault = "pass"
            else:
                fault = self.random.choice(self.choices)
            self.faults[fault] += 1
        return fault

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
