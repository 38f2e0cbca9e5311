"""Polku: mystery-shopping audits of your own customer journey."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask loads with create_app, not with the package: the PDF
    # render worker imports auditapp.reports.pdf and must stay lean.
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the audit app; it wires things and does no work."""
    from flask import Flask

    app = Flask(
        __name__,
        template_folder=PROJECT_ROOT / "templates",
        static_folder=PROJECT_ROOT / "static",  # URL stays /static
        instance_path=str(
            (overrides or {}).get("INSTANCE_PATH") or PROJECT_ROOT / "instance"
        ),
    )
    from auditapp.config import load_config

    load_config(app, overrides)
    _init_extensions(app)
    _register_blueprints(app)
    _connect_signals()
    _register_error_handlers(app)
    _register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from auditapp.auth.sessions import load_user
    from auditapp.core import i18n
    from auditapp.core.security import init_security
    from auditapp.core.tenancy import role_flags
    from auditapp.core.uploads import init_upload_limits
    from auditapp.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True
    )
    init_upload_limits(app)  # before CSRF, which reads (and so sizes) the body
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = i18n.LOGIN_MESSAGE
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    i18n.init_app(app)
    app.context_processor(role_flags)
    init_security(app)


def _register_blueprints(app: Flask) -> None:
    from auditapp.audits.api import bp as audits_api_bp
    from auditapp.audits.views import bp as audits_bp
    from auditapp.auth.views import admin_bp
    from auditapp.auth.views import bp as auth_bp
    from auditapp.development.views import bp as development_bp
    from auditapp.findings import point_api  # noqa: F401 - adds routes to its API
    from auditapp.findings.api import bp as findings_api_bp
    from auditapp.findings.views import bp as findings_bp
    from auditapp.findings.walk import bp as walk_bp
    from auditapp.journeys import item_views  # noqa: F401 - adds routes to journeys
    from auditapp.journeys.persona_views import bp as personas_bp
    from auditapp.journeys.views import bp as journeys_bp
    from auditapp.pwa.views import bp as pwa_bp
    from auditapp.reports.views import bp as reports_bp

    blueprints = (
        auth_bp,
        admin_bp,
        journeys_bp,
        personas_bp,
        audits_bp,
        walk_bp,
        findings_bp,
        audits_api_bp,
        findings_api_bp,
        development_bp,
        reports_bp,
        pwa_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _connect_signals() -> None:
    from auditapp.development import verification

    verification.connect()


def _register_error_handlers(app: Flask) -> None:
    from auditapp.errors import register_error_handlers

    register_error_handlers(app)


def _register_commands(app: Flask) -> None:
    from auditapp.cli import register_commands

    register_commands(app)
