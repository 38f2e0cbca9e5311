"""Demo organisation: users in each role, three journeys and two personas."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from auditapp.auth import services as auth
from auditapp.auth.models import Organisation
from auditapp.core.tenancy import Role
from auditapp.demo.audits import seed_demo_audits
from auditapp.extensions import db
from auditapp.journeys import services as journeys
from auditapp.journeys import transfer

DATA_DIR = Path(__file__).parent
DEMO_DOMAIN = "demo.polku.example"


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's sign-in details, to print for the person trying the app."""

    role: str
    email: str
    password: str


def database_is_empty() -> bool:
    """Return whether no organisation exists yet."""
    return db.session.execute(select(func.count(Organisation.id))).scalar_one() == 0


def demo_exists() -> bool:
    """Return whether the demo users are already in the database."""
    return auth.find_user(f"admin@{DEMO_DOMAIN}") is not None


def seed_demo(lang: str = "fi") -> list[DemoLogin]:
    """Create the demo organisation in `lang` and return its logins.

    Passwords are random per installation: a demo database copied to a server does
    not come with a well-known admin password.
    """
    data = json.loads((DATA_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    org = auth.create_organisation(name=data["organisation"], locale=lang)
    logins, admin, members = [], None, {}
    for role in (Role.ADMIN, Role.MANAGER, Role.AUDITOR):
        email = f"{role.value}@{DEMO_DOMAIN}"
        password = "-".join(secrets.token_hex(2) for _ in range(4))
        user = auth.create_user(
            email=email, name=data["users"][role.value], password=password
        )
        user.locale = lang
        auth.add_member(org, user, role=role)
        logins.append(DemoLogin(role.value, email, password))
        admin = admin or user
        members[role] = user
    for persona in data["personas"]:
        journeys.save_persona(org.id, data=journeys.PersonaData(**persona))
    imported = []
    for journey_file in data["journeys"]:
        checked = transfer.check_journey_data(journey_file)
        imported.append(transfer.import_journey(org.id, checked, actor=admin))
    db.session.flush()
    seed_demo_audits(
        org.id,
        imported[0].id,
        auditor=members[Role.AUDITOR],
        manager=members[Role.MANAGER],
        lang=lang,
    )
    return logins
