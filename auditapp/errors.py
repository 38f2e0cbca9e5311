"""Error pages: HTML for people, JSON for the API, same 404 for missing and foreign."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from auditapp.core.errors import DomainError
from auditapp.extensions import db, login_manager

_PAGES = {403: "errors/403.html", 404: "errors/404.html", 500: "errors/500.html"}
# Werkzeug's own texts are English only; people get these instead.
_TEXTS = {
    400: (_l("Something went wrong"), _l("The request could not be processed.")),
    405: (_l("Something went wrong"), _l("That action is not available here.")),
    413: (_l("Too much data"), _l("The upload or form was too large.")),
    429: (_l("Too many attempts"), _l("Please wait a moment and try again.")),
}
_DEFAULT_TEXT = (_l("Something went wrong"), _l("The request could not be processed."))


def wants_json() -> bool:
    """Return whether the request is for the JSON API (answers are never HTML)."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def _http_error(error: HTTPException):
    if wants_json():
        return jsonify(error=error.name, message=error.description), error.code
    if error.code in _PAGES:
        return render_template(_PAGES[error.code]), error.code
    title, message = _TEXTS.get(error.code, _DEFAULT_TEXT)
    return render_template(
        "errors/generic.html", title=title, message=message
    ), error.code


def _csrf_error(error: CSRFError):
    message = _("The form had expired or came from elsewhere. Please try again.")
    if wants_json():
        return jsonify(error="csrf", message=message), 400
    return render_template(
        "errors/generic.html", title=_("The form had expired"), message=message
    ), 400


def _domain_error(error: DomainError):
    headers = {}
    if retry_after := getattr(error, "retry_after", None):
        headers["Retry-After"] = str(retry_after)
    if wants_json():
        body = jsonify(error=type(error).__name__, message=str(error))
        return body, error.status, headers
    referrer = request.referrer or ""
    if request.method == "POST" and referrer.startswith(request.host_url):
        # Button actions (move, archive…) go back to the page they came from.
        flash(str(error), "error")
        return redirect(referrer, code=303)
    return (
        render_template(
            "errors/generic.html", title=_("That did not work"), message=str(error)
        ),
        error.status,
        headers,
    )


def _server_error(error):
    if wants_json():
        return jsonify(error="server_error"), 500
    return render_template("errors/500.html"), 500


def _unauthorized():
    if wants_json():
        # An API client must see the login is gone, never a 302 to an HTML page.
        return jsonify(error="unauthorized", message=_("Please sign in.")), 401
    flash(_("Please sign in to continue."), "info")
    return redirect("/login?next=" + _safe_next())


def _safe_next() -> str:
    return quote(request.full_path.rstrip("?"), safe="")


def _edited_meanwhile(error: StaleDataError):
    # Two saves of the same record crossed (a versioned row changed between this
    # request's read and its write): nothing was written; say so instead of a 500.
    db.session.rollback()
    message = _(
        "Someone changed this at the same moment. Reload the page and try again."
    )
    if wants_json():
        return jsonify(error="conflict", message=message), 409
    return render_template(
        "errors/generic.html", title=_("That did not work"), message=message
    ), 409


def register_error_handlers(app: Flask) -> None:
    """Install the handlers."""
    app.register_error_handler(StaleDataError, _edited_meanwhile)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(500, _server_error)
    login_manager.unauthorized_handler(_unauthorized)
