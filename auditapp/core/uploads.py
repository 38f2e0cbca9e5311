"""Per-view request size limits, applied before anything reads the body.

The CSRF check reads the form in an app-wide before_request hook, so a view cannot
raise its own limit inside the view: this hook runs first and sets it per endpoint.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request


def upload_limit(config_key: str) -> Callable:
    """Mark a view as accepting request bodies up to app.config[config_key] bytes."""

    def mark(view: Callable) -> Callable:
        view.upload_limit_key = config_key
        return view

    return mark


def _apply_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    key = getattr(view, "upload_limit_key", None)
    if key:
        request.max_content_length = current_app.config[key]


def init_upload_limits(app: Flask) -> None:
    """Install the hook; call before CSRFProtect.init_app so it runs first."""
    app.before_request(_apply_limit)
