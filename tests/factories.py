"""Plain functions that make test data through the real services."""

from __future__ import annotations

import itertools

from auditapp.auth import services as auth
from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.journeys import services as journeys
from auditapp.journeys.models import Channel

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_org(name: str | None = None, *, locale: str = "en"):
    """Create an organisation."""
    org = auth.create_organisation(name=name or f"Org {next(_seq)}", locale=locale)
    db.session.commit()
    return org


def make_user(org, role: Role = Role.MANAGER, *, email=None, name=None, locale="en"):
    """Create a user with a membership in org; the password is PASSWORD."""
    n = next(_seq)
    user = auth.create_user(
        email=email or f"user{n}@example.com",
        name=name or f"User {n}",
        password=PASSWORD,
    )
    user.locale = locale
    auth.add_member(org, user, role=role)
    db.session.commit()
    return user


def make_journey(
    org, *, name="Restaurant visit", actor=None, touchpoints=1, expectations=2
):
    """Create a journey with the default stages and some touchpoints in the first."""
    journey = journeys.create_journey(
        org.id,
        name=name,
        description="Dinner for two",
        actor=actor,
        stage_names=["Finding", "Visiting", "After"],
    )
    stage = journeys.load_journey(org.id, journey.id).stages[0]
    for t in range(touchpoints):
        tp = journeys.add_touchpoint(
            stage,
            journey,
            actor=actor,
            data=journeys.TouchpointData(
                name=f"Touchpoint {t + 1}",
                channel=Channel.PHONE,
                customer_need="Book a table",
                criticality=3,
                target_response_seconds=60,
            ),
        )
        for e in range(expectations):
            journeys.add_expectation(
                tp, journey, text=f"Expectation {e + 1}", actor=actor
            )
    db.session.commit()
    return journey
