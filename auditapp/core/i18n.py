"""Interface language: the user's choice, else the session's, else the browser's."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LOGIN_MESSAGE = _l("Please sign in to continue.")
LANGUAGE_NAMES = {"fi": "Suomi", "en": "English"}


def select_locale() -> str:
    """Return the language for this request."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    for choice in (user_locale, session.get("locale")):
        if choice in languages:
            return choice
    return request.accept_languages.best_match(languages) or languages[0]


def _template_globals() -> dict:
    return {
        "current_locale": str(get_locale() or current_app.config["LANGUAGES"][0]),
        "language_names": LANGUAGE_NAMES,
    }


def init_app(app: Flask) -> None:
    """Expose the language to templates and pass Accept-Language to caches."""
    app.context_processor(_template_globals)

    @app.after_request
    def _vary_on_language(response):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response
