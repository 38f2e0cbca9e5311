"""Interface language: the user's choice, else the session's, else the browser's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
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


NO_VALUE = "–"


def share_format(share: float | None) -> str:
    """Format a 0…1 share as a percentage in the current language; "–" for none."""
    return NO_VALUE if share is None else format_percent(share)


def signed_format(value: float | None) -> str:
    """Format a −2…+2 average with its sign and one decimal; "–" for none."""
    if value is None:
        return NO_VALUE
    text = format_decimal(abs(value), "0.0")
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def duration_format(seconds: float | None) -> str:
    """Format seconds as "45 s", "1 min 57 s", "8 h 3 min" or "2 d 4 h"."""
    if seconds is None:
        return NO_VALUE
    total = round(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h", d=days, h=hours) if hours else _("%(d)d d", d=days)
    if hours:
        return (
            _("%(h)d h %(m)d min", h=hours, m=minutes)
            if minutes
            else _("%(h)d h", h=hours)
        )
    if minutes:
        return (
            _("%(m)d min %(s)d s", m=minutes, s=secs)
            if secs
            else _("%(m)d min", m=minutes)
        )
    return _("%(s)d s", s=secs)


def month_format(value: date) -> str:
    """Format a month as "March 2026" / "maaliskuu 2026"."""
    return format_date(value, "LLLL yyyy")


def pairs_format(labels: Iterable, values: Iterable) -> str:
    """Return "label: value; …", the text alternative of a chart."""
    rows = zip(labels, values, strict=True)
    return "; ".join(f"{label}: {value}" for label, value in rows)


def init_app(app: Flask) -> None:
    """Expose the language to templates and pass Accept-Language to caches."""
    app.context_processor(_template_globals)
    app.jinja_env.filters.update(
        share=share_format,
        signed=signed_format,
        monthformat=month_format,
        duration=duration_format,
        pairs=pairs_format,
    )

    @app.after_request
    def _vary_on_language(response):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response
