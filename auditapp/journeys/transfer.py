"""Export a journey as JSON and import it back, here or in another organisation."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from auditapp.auth.models import User
from auditapp.core.errors import DomainError
from auditapp.core.forms import has_control_characters
from auditapp.extensions import db
from auditapp.journeys import services
from auditapp.journeys.models import (
    DESCRIPTION_MAX,
    EXPECTATION_MAX,
    NAME_MAX,
    NEED_MAX,
    TARGET_SECONDS_MAX,
    Channel,
    Expectation,
    Journey,
    Stage,
    Touchpoint,
)

FORMAT = "polku.journey"
FORMAT_VERSION = 1


class JourneyFileError(DomainError):
    """The file is not a journey this version can import; says where and why."""


def export_journey(journey: Journey) -> dict[str, Any]:
    """Return the journey's content as a JSON-ready dict (ids and history left out)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "journey": {
            "name": journey.name,
            "description": journey.description,
            "stages": [
                {
                    "name": stage.name,
                    "touchpoints": [
                        {
                            "name": tp.name,
                            "channel": tp.channel.value,
                            "customer_need": tp.customer_need,
                            "criticality": tp.criticality,
                            "target_response_seconds": tp.target_response_seconds,
                            "expectations": [e.text for e in tp.expectations],
                        }
                        for tp in stage.touchpoints
                    ],
                }
                for stage in journey.stages
            ],
        },
    }


def parse_journey_file(raw: bytes, *, max_bytes: int) -> dict[str, Any]:
    """Decode and check an uploaded journey file; raise JourneyFileError if bad."""
    if len(raw) > max_bytes:
        raise JourneyFileError(
            _("The file is too large (at most %(kb)d KB).", kb=max_bytes // 1024)
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise JourneyFileError(_("The file is not valid JSON.")) from None
    return check_journey_data(data)


def _text(obj: dict, key: str, where: str, *, max_len: int, required=True) -> str:
    value = obj.get(key, "" if not required else None)
    if value is None and not required:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise JourneyFileError(
            _('%(where)s: "%(key)s" must be text.', where=where, key=key)
        )
    if len(value) > max_len:
        raise JourneyFileError(
            _(
                '%(where)s: "%(key)s" is longer than %(n)d characters.',
                where=where,
                key=key,
                n=max_len,
            )
        )
    if has_control_characters(value):
        raise JourneyFileError(
            _('%(where)s: "%(key)s" contains control characters.', where=where, key=key)
        )
    return value.strip()


def _list(obj: dict, key: str, where: str, *, max_len: int) -> list:
    value = obj.get(key)
    if not isinstance(value, list):
        raise JourneyFileError(
            _('%(where)s: "%(key)s" must be a list.', where=where, key=key)
        )
    if len(value) > max_len:
        raise JourneyFileError(
            _(
                '%(where)s: "%(key)s" has more than %(n)d entries.',
                where=where,
                key=key,
                n=max_len,
            )
        )
    return value


def _touchpoint(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise JourneyFileError(_("%(where)s must be an object.", where=where))
    try:
        channel = Channel(raw.get("channel"))
    except ValueError:
        raise JourneyFileError(
            _(
                '%(where)s: unknown channel "%(value)s".',
                where=where,
                value=str(raw.get("channel"))[:40],
            )
        ) from None
    criticality = raw.get("criticality", 2)
    if type(criticality) is not int or criticality not in (1, 2, 3):
        raise JourneyFileError(
            _("%(where)s: criticality must be 1, 2 or 3.", where=where)
        )
    target = raw.get("target_response_seconds")
    if target is not None and (
        type(target) is not int
        or not 0 < target <= TARGET_SECONDS_MAX
        or not channel.speed_matters
    ):
        raise JourneyFileError(
            _("%(where)s: the target response time is not valid here.", where=where)
        )
    expectations = _list(
        raw, "expectations", where, max_len=services.MAX_EXPECTATIONS_PER_TOUCHPOINT
    )
    texts = []
    for i, text in enumerate(expectations):
        texts.append(
            _text(
                {"text": text},
                "text",
                _("%(where)s, expectation %(n)d", where=where, n=i + 1),
                max_len=EXPECTATION_MAX,
            )
        )
    return {
        "name": _text(raw, "name", where, max_len=NAME_MAX),
        "channel": channel,
        "customer_need": _text(
            raw, "customer_need", where, max_len=NEED_MAX, required=False
        ),
        "criticality": criticality,
        "target_response_seconds": target,
        "expectations": texts,
    }


def check_journey_data(data: Any) -> dict[str, Any]:
    """Validate decoded JSON and return it normalised, or raise JourneyFileError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise JourneyFileError(_("This is not a Polku journey file."))
    if data.get("format_version") != FORMAT_VERSION:
        raise JourneyFileError(_("This journey file is from an unsupported version."))
    raw = data.get("journey")
    if not isinstance(raw, dict):
        raise JourneyFileError(_("This is not a Polku journey file."))
    stages = []
    raw_stages = _list(raw, "stages", _("Journey"), max_len=services.MAX_STAGES)
    if not raw_stages:
        raise JourneyFileError(_("A journey needs at least one stage."))
    for s, stage in enumerate(raw_stages):
        where = _("Stage %(n)d", n=s + 1)
        if not isinstance(stage, dict):
            raise JourneyFileError(_("%(where)s must be an object.", where=where))
        tps = _list(
            stage, "touchpoints", where, max_len=services.MAX_TOUCHPOINTS_PER_STAGE
        )
        stages.append(
            {
                "name": _text(stage, "name", where, max_len=NAME_MAX),
                "touchpoints": [
                    _touchpoint(
                        tp, _("%(where)s, touchpoint %(n)d", where=where, n=t + 1)
                    )
                    for t, tp in enumerate(tps)
                ],
            }
        )
    return {
        "name": _text(raw, "name", _("Journey"), max_len=NAME_MAX),
        "description": _text(
            raw, "description", _("Journey"), max_len=DESCRIPTION_MAX, required=False
        ),
        "stages": stages,
    }


def import_journey(org_id: int, checked: dict[str, Any], *, actor: User) -> Journey:
    """Create a journey from data returned by check_journey_data."""
    journey = services.create_journey(
        org_id,
        name=checked["name"],
        description=checked["description"],
        actor=actor,
        stage_names=[],
    )
    for s, stage_data in enumerate(checked["stages"]):
        stage = Stage(
            org_id=org_id, journey_id=journey.id, position=s, name=stage_data["name"]
        )
        db.session.add(stage)
        db.session.flush()
        for t, tp_data in enumerate(stage_data["touchpoints"]):
            fields = {k: v for k, v in tp_data.items() if k != "expectations"}
            tp = Touchpoint(org_id=org_id, stage_id=stage.id, position=t, **fields)
            db.session.add(tp)
            db.session.flush()
            db.session.add_all(
                Expectation(org_id=org_id, touchpoint_id=tp.id, position=e, text=text)
                for e, text in enumerate(tp_data["expectations"])
            )
    db.session.flush()
    return journey
