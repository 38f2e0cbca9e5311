"""Journey designer operations. Each edit bumps the version and logs who did it.

Services flush and never commit: the view that started the unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from auditapp.auth.models import User
from auditapp.core.db import utcnow
from auditapp.core.errors import DomainError
from auditapp.extensions import db
from auditapp.journeys.models import (
    Channel,
    Expectation,
    Journey,
    JourneyChange,
    Persona,
    Stage,
    Touchpoint,
)

MAX_STAGES = 30
MAX_TOUCHPOINTS_PER_STAGE = 60
MAX_EXPECTATIONS_PER_TOUCHPOINT = 40


@dataclass(frozen=True)
class TouchpointData:
    """The editable fields of a touchpoint, as plain values."""

    name: str
    channel: Channel
    customer_need: str = ""
    criticality: int = 2
    target_response_seconds: int | None = None

    def check(self) -> None:
        """Raise DomainError if the values break a rule of the domain."""
        if self.criticality not in (1, 2, 3):
            raise DomainError(_("Criticality must be 1, 2 or 3."))
        if self.target_response_seconds is not None:
            if not self.channel.speed_matters:
                raise DomainError(
                    _("A target response time applies to phone, e-mail and chat.")
                )
            if self.target_response_seconds <= 0:
                raise DomainError(_("The target response time must be positive."))


def default_stage_names() -> list[str]:
    """Return the three stages of the source texts, in the current language."""
    return [_("Information search"), _("Purchase"), _("After purchase")]


def record_change(journey: Journey, *, actor: User | None, action: str, subject: str):
    """Bump the journey's version and log the change."""
    journey.version += 1
    journey.updated_at = utcnow()
    db.session.add(
        JourneyChange(
            org_id=journey.org_id,
            journey_id=journey.id,
            user_id=actor.id if actor else None,
            version=journey.version,
            action=action,
            subject=subject,
        )
    )
    db.session.flush()


def load_journey(org_id: int, journey_id: int) -> Journey | None:
    """Return a journey with its stages, touchpoints and expectations loaded."""
    return db.session.execute(
        select(Journey)
        .where(Journey.id == journey_id, Journey.org_id == org_id)
        .options(
            selectinload(Journey.stages)
            .selectinload(Stage.touchpoints)
            .selectinload(Touchpoint.expectations)
        )
    ).scalar_one_or_none()


def create_journey(
    org_id: int,
    *,
    name: str,
    description: str = "",
    actor: User | None,
    stage_names: list[str] | None = None,
) -> Journey:
    """Add a journey, starting with the three stages unless others are given."""
    journey = Journey(org_id=org_id, name=name, description=description, version=0)
    db.session.add(journey)
    db.session.flush()
    names = default_stage_names() if stage_names is None else stage_names
    for position, stage_name in enumerate(names):
        db.session.add(
            Stage(
                org_id=org_id, journey_id=journey.id, position=position, name=stage_name
            )
        )
    record_change(journey, actor=actor, action="journey.create", subject=name)
    return journey


def update_journey(journey: Journey, *, name: str, description: str, actor: User):
    """Change a journey's name and description."""
    journey.name, journey.description = name, description
    record_change(journey, actor=actor, action="journey.update", subject=name)


def set_archived(journey: Journey, *, archived: bool, actor: User) -> None:
    """Archive a journey (kept with its audits, not offered for new ones) or restore."""
    journey.archived_at = utcnow() if archived else None
    action = "journey.archive" if archived else "journey.restore"
    record_change(journey, actor=actor, action=action, subject=journey.name)


def delete_journey(journey: Journey) -> None:
    """Delete a journey and everything in it.

    Audits reference journeys with ON DELETE RESTRICT, so the database itself refuses
    to delete one that has been audited: archive those instead.
    """
    db.session.delete(journey)
    db.session.flush()


def _count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.execute(stmt).scalar_one()


def _next_position(model, **where) -> int:
    stmt = select(func.coalesce(func.max(model.position), -1) + 1)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.execute(stmt).scalar_one()


def add_stage(journey: Journey, *, name: str, actor: User) -> Stage:
    """Append a stage to a journey."""
    if _count(Stage, journey_id=journey.id) >= MAX_STAGES:
        raise DomainError(_("A journey can have at most %(n)d stages.", n=MAX_STAGES))
    stage = Stage(
        org_id=journey.org_id,
        journey_id=journey.id,
        position=_next_position(Stage, journey_id=journey.id),
        name=name,
    )
    db.session.add(stage)
    record_change(journey, actor=actor, action="stage.create", subject=name)
    return stage


def rename_stage(stage: Stage, journey: Journey, *, name: str, actor: User) -> None:
    """Rename a stage."""
    stage.name = name
    record_change(journey, actor=actor, action="stage.update", subject=name)


def delete_stage(stage: Stage, journey: Journey, *, actor: User) -> None:
    """Delete a stage with its touchpoints; a journey keeps at least one stage."""
    if _count(Stage, journey_id=journey.id) <= 1:
        raise DomainError(_("A journey needs at least one stage."))
    name = stage.name
    db.session.delete(stage)
    db.session.flush()
    _renumber(Stage, journey_id=journey.id)
    record_change(journey, actor=actor, action="stage.delete", subject=name)


def add_touchpoint(
    stage: Stage, journey: Journey, *, data: TouchpointData, actor: User
) -> Touchpoint:
    """Append a touchpoint to a stage."""
    data.check()
    if _count(Touchpoint, stage_id=stage.id) >= MAX_TOUCHPOINTS_PER_STAGE:
        raise DomainError(
            _(
                "A stage can have at most %(n)d touchpoints.",
                n=MAX_TOUCHPOINTS_PER_STAGE,
            )
        )
    touchpoint = Touchpoint(
        org_id=stage.org_id,
        stage_id=stage.id,
        position=_next_position(Touchpoint, stage_id=stage.id),
        **vars(data),
    )
    db.session.add(touchpoint)
    record_change(journey, actor=actor, action="touchpoint.create", subject=data.name)
    return touchpoint


def update_touchpoint(
    touchpoint: Touchpoint, journey: Journey, *, data: TouchpointData, actor: User
) -> None:
    """Change a touchpoint's fields."""
    data.check()
    for field, value in vars(data).items():
        setattr(touchpoint, field, value)
    record_change(journey, actor=actor, action="touchpoint.update", subject=data.name)


def delete_touchpoint(touchpoint: Touchpoint, journey: Journey, *, actor: User):
    """Delete a touchpoint with its expectations."""
    stage_id, name = touchpoint.stage_id, touchpoint.name
    db.session.delete(touchpoint)
    db.session.flush()
    _renumber(Touchpoint, stage_id=stage_id)
    record_change(journey, actor=actor, action="touchpoint.delete", subject=name)


def add_expectation(
    touchpoint: Touchpoint, journey: Journey, *, text: str, actor: User
) -> Expectation:
    """Append an expectation (checklist item) to a touchpoint."""
    if (
        _count(Expectation, touchpoint_id=touchpoint.id)
        >= MAX_EXPECTATIONS_PER_TOUCHPOINT
    ):
        raise DomainError(
            _(
                "A touchpoint can have at most %(n)d expectations.",
                n=MAX_EXPECTATIONS_PER_TOUCHPOINT,
            )
        )
    expectation = Expectation(
        org_id=touchpoint.org_id,
        touchpoint_id=touchpoint.id,
        position=_next_position(Expectation, touchpoint_id=touchpoint.id),
        text=text,
    )
    db.session.add(expectation)
    record_change(journey, actor=actor, action="expectation.create", subject=text)
    return expectation


def update_expectation(
    expectation: Expectation, journey: Journey, *, text: str, actor: User
) -> None:
    """Change an expectation's text."""
    expectation.text = text
    record_change(journey, actor=actor, action="expectation.update", subject=text)


def delete_expectation(expectation: Expectation, journey: Journey, *, actor: User):
    """Delete an expectation."""
    touchpoint_id, text = expectation.touchpoint_id, expectation.text
    db.session.delete(expectation)
    db.session.flush()
    _renumber(Expectation, touchpoint_id=touchpoint_id)
    record_change(journey, actor=actor, action="expectation.delete", subject=text)


_PARENT = {Stage: "journey_id", Touchpoint: "stage_id", Expectation: "touchpoint_id"}
_MOVE_SUBJECT = {Stage: "name", Touchpoint: "name", Expectation: "text"}


def move(item, journey: Journey, *, offset: int, actor: User) -> bool:
    """Move a stage, touchpoint or expectation up (-1) or down (+1) among siblings.

    Returns False, changing nothing, when it is already first or last.
    """
    model = type(item)
    siblings = _siblings(model, **{_PARENT[model]: getattr(item, _PARENT[model])})
    index = siblings.index(item)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    kind = model.__name__.lower()
    subject = getattr(item, _MOVE_SUBJECT[model])
    record_change(journey, actor=actor, action=f"{kind}.move", subject=subject)
    return True


def _siblings(model, **where) -> list:
    stmt = select(model).order_by(model.position, model.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return list(db.session.execute(stmt).scalars())


def _renumber(model, **where) -> None:
    for position, sibling in enumerate(_siblings(model, **where)):
        sibling.position = position
    db.session.flush()


@dataclass(frozen=True)
class PersonaData:
    """The editable fields of a persona."""

    name: str
    description: str = ""
    goal: str = ""
    values: str = ""
    why_buy: str = ""


def save_persona(org_id: int, *, data: PersonaData, persona: Persona | None = None):
    """Create a persona, or update the given one, from plain values."""
    if persona is None:
        persona = Persona(org_id=org_id)
        db.session.add(persona)
    for field, value in vars(data).items():
        setattr(persona, field, value)
    db.session.flush()
    return persona


def set_persona_archived(persona: Persona, *, archived: bool) -> None:
    """Archive a persona (hidden from new audits) or restore it."""
    persona.archived_at = utcnow() if archived else None
