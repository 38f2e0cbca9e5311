"""The service worker at the site root, the manifest and the offline page."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

bp = Blueprint("pwa", __name__)


#: The worker's cache name, as written in static/sw.js.
SW_VERSION = re.compile(r'const VERSION = "([^"]+)";')
#: Its list of files to keep on the phone.
SW_PRECACHE = re.compile(r'"/static/([^"]+)"')


def service_worker_source(static_folder: str) -> str:
    """Return sw.js with a cache name that changes whenever a file it keeps does.

    Phones keep the precached files until the worker's bytes change; naming the
    cache after their contents means an edited script reaches them without anyone
    remembering to bump the version by hand. Browsers ask for /sw.js on every
    navigation, so the files are hashed again only when one of them has changed.
    """
    folder = Path(static_folder)
    worker = folder / "sw.js"
    kept = sorted(set(SW_PRECACHE.findall(worker.read_text(encoding="utf-8"))))
    stamps = tuple((name, (folder / name).stat().st_mtime_ns) for name in kept)
    return _versioned_worker(str(folder), worker.stat().st_mtime_ns, stamps)


@functools.lru_cache(maxsize=8)
def _versioned_worker(folder: str, _worker_mtime: int, stamps: tuple) -> str:
    source = (Path(folder) / "sw.js").read_text(encoding="utf-8")
    digest = hashlib.sha256()
    for name, _mtime in stamps:
        digest.update(name.encode() + b"\0")
        digest.update((Path(folder) / name).read_bytes())
    return SW_VERSION.sub(
        lambda m: f'const VERSION = "{m[1]}-{digest.hexdigest()[:12]}";', source, 1
    )


@bp.get("/sw.js")
def service_worker():
    """Serve the worker from the root so its scope is the whole site."""
    response = Response(
        service_worker_source(current_app.static_folder),
        mimetype="text/javascript",
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """Describe the app for installing it to a home screen."""
    icons = [
        {
            "src": url_for("static", filename=f"icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    response = jsonify(
        name=current_app.config["APP_NAME"],
        short_name=current_app.config["APP_NAME"],
        start_url=url_for("auth.home"),
        scope="/",
        display="standalone",
        background_color="#ffffff",
        theme_color=current_app.config["THEME_COLOR"],
        icons=icons,
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    """Shown by the service worker when a page cannot be reached."""
    response = current_app.make_response(render_template("pwa/offline.html"))
    # Cached by the worker itself; safe because it holds no one's data.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline/walk")
def offline_walk():
    """The offline walker: a shell that renders audits kept on the device.

    It holds no one's data (that lives in the device's IndexedDB, per user), so the
    worker may cache it and serve it with the network off.
    """
    response = current_app.make_response(render_template("pwa/walk.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/api/v1/csrf")
@login_required
def csrf_token():
    """Hand the device a fresh CSRF token (after a long time offline, or a 400).

    Signed in only: a 401 here tells the device to ask the user to sign in again.
    `user` tells a page without one (the offline walker) whose data to open.
    """
    response = jsonify(csrf_token=generate_csrf(), user=str(current_user.id))
    response.headers["Cache-Control"] = "no-store"
    return response
