"""Response headers and cookie settings that every page needs."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure, with the __Host- name, on HTTPS requests.

    The same deployment is reached over plain HTTP on a laptop and over HTTPS behind a
    proxy; a cookie marked Secure on plain HTTP would never come back.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def get_cookie_name(self, app: Flask) -> str:
        name = app.config["SESSION_COOKIE_NAME"]
        return f"__Host-{name}" if request.is_secure else name

    def get_cookie_domain(self, app: Flask) -> str | None:
        # __Host- cookies must not carry a Domain attribute.
        return None


def set_security_headers(response: Response) -> Response:
    """Add CSP, nosniff, framing and caching headers to a response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Keeps a same-origin Referer, which Flask-WTF's HTTPS check needs.
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages show one organisation's data: never keep them in a shared cache.
        headers["Cache-Control"] = "no-store"
    return response


def init_security(app: Flask) -> None:
    """Install the session interface and the header hook."""
    app.session_interface = HttpsAwareSessionInterface()
    app.after_request(set_security_headers)
