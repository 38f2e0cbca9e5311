"""Command-line entry points; thin wrappers around services."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from auditapp import demo
from auditapp.auth import services as auth
from auditapp.core.errors import DomainError
from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.findings.consistency import check_photos, fix_photos
from auditapp.findings.services import photo_store

LOGINS_FILE = "demo-logins.txt"


def _logins_path() -> Path:
    return Path(current_app.instance_path) / LOGINS_FILE


def _save_logins(logins: list[demo.DemoLogin]) -> None:
    path = _logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        for login in logins:
            fh.write(f"{login.role:8} {login.email:32} {login.password}\n")


@click.command("seed-demo")
@click.option(
    "--lang", type=click.Choice(["fi", "en"]), default="fi", show_default=True
)
@click.option("--if-empty", is_flag=True, help="Do nothing if any organisation exists.")
def seed_demo_command(lang: str, if_empty: bool) -> None:
    """Load the demo organisation, its users, journeys and personas."""
    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo not loaded.")
        return
    if demo.demo_exists():
        raise click.ClickException(
            f"The demo organisation is already loaded (logins: {_logins_path()})."
        )
    logins = demo.seed_demo(lang)
    db.session.commit()
    _save_logins(logins)
    click.echo(f"Demo organisation loaded. Logins saved in {_logins_path()}:")
    click.echo(_logins_path().read_text(encoding="utf-8"))


@click.command("create-admin")
@click.option("--org", "org_name", required=True, help="Name of the new organisation.")
@click.option("--email", required=True)
@click.option("--name", default="Admin")
@click.option("--lang", type=click.Choice(["fi", "en"]), default="fi")
@click.password_option()
def create_admin_command(org_name, email, name, lang, password) -> None:
    """Create an organisation with its first admin."""
    try:
        org = auth.create_organisation(name=org_name, locale=lang)
        user = auth.create_user(email=email, name=name, password=password)
        auth.add_member(org, user, role=Role.ADMIN)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {org_name} with admin {user.email}.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="Do not load demo data into an empty DB.")
def serve_command(host: str, port: int, no_demo: bool) -> None:
    """Upgrade the database, load demo data if it is empty, and run the app."""
    upgrade()
    if not no_demo and demo.database_is_empty():
        _save_logins(demo.seed_demo("fi"))
        db.session.commit()
    db.session.remove()
    click.echo(f"\n  Polku is running at http://{host}:{port}/\n")
    if _logins_path().exists():
        click.echo("  Demo logins (role, e-mail, password):")
        for line in _logins_path().read_text(encoding="utf-8").splitlines():
            click.echo(f"    {line}")
        click.echo()
    # `app.run()` refuses to run inside a `flask` command, so start Werkzeug directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.group("photos")
def photos_group() -> None:
    """Photo storage maintenance."""


@photos_group.command("check")
@click.option("--fix", is_flag=True, help="Delete orphan files and broken rows.")
def photos_check_command(fix: bool) -> None:
    """Report photo rows without files, damaged files, and files without rows."""
    store = photo_store()
    # Temp files older than any upload could take are leftovers of a crash.
    swept = store.sweep_tmp(timedelta(hours=1))
    if swept:
        click.echo(f"{swept} unfinished temporary files removed.")
    report = check_photos(store)
    click.echo(f"{report.checked_rows} photos checked.")
    for photo_id, key in report.missing_files:
        click.echo(f"missing file: photo {photo_id} {key}")
    for photo_id, key in report.bad_checksums:
        click.echo(f"checksum mismatch: photo {photo_id} {key}")
    for key in report.orphan_files:
        click.echo(f"orphan file: {key}")
    if report.ok:
        click.echo("Rows and files agree.")
        return
    if fix:
        fix_photos(store, report)
        db.session.commit()
        click.echo("Fixed.")
    else:
        raise click.ClickException("Problems found; run with --fix to repair.")


def register_commands(app: Flask) -> None:
    """Add the commands to `flask`."""
    for command in (
        seed_demo_command,
        create_admin_command,
        serve_command,
        photos_group,
    ):
        app.cli.add_command(command)
