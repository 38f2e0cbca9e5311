"""Configuration: defaults, instance file, AUDITAPP_* variables, overrides."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask


class Defaults:
    """Embedded defaults: everything needed to run with nothing configured."""

    # The SQLite file and the photo folder default into the instance folder.
    DATABASE_URL: str | None = None
    PHOTO_DIR: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}

    LANGUAGES = ("fi", "en")
    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"

    # Session cookie: HttpOnly + Lax always; Secure and the __Host- name are added per
    # request when it arrives over HTTPS (see core/security.py).
    SESSION_COOKIE_NAME = "polku_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # Server-side sessions (auth.models.AuthSession) end after this much inactivity.
    SESSION_IDLE_TIMEOUT = timedelta(days=14)
    REMEMBER_COOKIE_DURATION = timedelta(days=0)

    # CSRF tokens live as long as the login session does: an auditor who fills in a form
    # for an hour, or replays queued work after a day offline, must not lose it to an
    # expired token. The session's own idle/absolute limits bound the token.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    MAX_CONTENT_LENGTH = (
        2 * 1024 * 1024
    )  # text-only routes; photo routes raise it per view
    MAX_FORM_MEMORY_SIZE = 500_000
    MAX_FORM_PARTS = 1000
    JOURNEY_IMPORT_MAX_BYTES = 1024 * 1024
    #: One photo request (phones send 3–8 MB JPEGs; the browser usually downscales)
    PHOTO_MAX_BYTES = 25 * 1024 * 1024
    PHOTO_MAX_PIXELS = 50_000_000
    KEEP_ORIGINAL_PHOTOS = False

    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_IP = 30
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    INVITE_LIFETIME = timedelta(days=7)

    #: Reports larger than this are refused up front (memory is O(document)).
    REPORT_MAX_PHOTOS = 300
    REPORT_MAX_ENTRIES = 5_000
    #: Each report is laid out in a process of its own, stopped past these limits
    #: with a 503 (reliability.md test 16). Memory is address space (RLIMIT_AS), MiB;
    #: 0 means no limit. At most this many renders at once per app process.
    REPORT_RENDER_SECONDS = 120
    REPORT_RENDER_MEMORY_MB = 1024
    REPORT_RENDER_CONCURRENCY = 2

    APP_NAME = "Polku"
    THEME_COLOR = "#1f5f8b"


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Apply defaults, the instance file, AUDITAPP_* variables and test overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("auditapp.cfg", silent=True)
    app.config.from_prefixed_env("AUDITAPP")
    if overrides:
        app.config.update(overrides)
    instance = Path(app.instance_path)
    # The default SQLite file and photo folder live here; SQLite will not create it.
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'polku.sqlite3'}"
    for key in (
        "SESSION_IDLE_TIMEOUT",
        "PERMANENT_SESSION_LIFETIME",
        "INVITE_LIFETIME",
        "LOGIN_FAILURE_WINDOW",
    ):
        # From the environment these arrive as numbers of seconds.
        if isinstance(app.config[key], int | float):
            app.config[key] = timedelta(seconds=app.config[key])
    # One knob for the database: AUDITAPP_DATABASE_URL (or DATABASE_URL in overrides).
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config.get("PHOTO_DIR"):
        app.config["PHOTO_DIR"] = str(instance / "photos")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    validate_config(app)


def _instance_secret_key(instance: Path) -> str:
    """Return the key kept in instance/secret_key, generating it on first run."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting at once must agree on one key.
    try:
        with open(path, "x", encoding="ascii") as fh:
            fh.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return key


def validate_config(app: Flask) -> None:
    """Fail fast on settings that would only break later, at request time."""
    cfg = app.config
    if len(str(cfg["SECRET_KEY"])) < 16:
        raise ValueError("SECRET_KEY must be at least 16 characters long")
    url = str(cfg["SQLALCHEMY_DATABASE_URI"])
    if not url.startswith(("sqlite:", "postgresql")):
        raise ValueError(f"Unsupported database URL {url!r}: use sqlite or postgresql")
    unknown = set(cfg["LANGUAGES"]) - {"fi", "en"}
    if unknown:
        raise ValueError(f"No translations for languages {sorted(unknown)}")
