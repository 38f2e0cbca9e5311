"""Read fields of a JSON request body with bounds; anything else is a 422."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import request
from flask_babel import gettext as _

from auditapp.core.sync import SyncError, SyncRequest

#: Database integers are 64-bit on PostgreSQL; refuse anything that could not fit.
INT_MAX = 2**31 - 1


def invalid(field: str, what: str) -> SyncError:
    """Return the 422 for one bad field."""
    return SyncError(422, "invalid", _("%(field)s: %(what)s", field=field, what=what))


def json_body() -> dict:
    """Return the request's JSON object, or raise a 422."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise SyncError(422, "invalid", _("The body must be a JSON object."))
    return data


def sync_request(kind: str) -> tuple[dict, SyncRequest]:
    """Return the JSON body and its sync envelope: client UUID, kind, device time."""
    data = json_body()
    return data, SyncRequest(
        uuid_field(data, "client_uuid"), kind, data, device_time(data)
    )


def uuid_field(data: dict, name: str) -> uuid.UUID:
    """Return a UUID field (canonical text form)."""
    value = data.get(name)
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise invalid(name, _("must be a UUID")) from None


def uuid_list_field(data: dict, name: str, *, max_items: int) -> list[str]:
    """Return an optional list of distinct UUIDs (canonical text), in its order."""
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > max_items:
        raise invalid(name, _("must be a list of at most %(n)d UUIDs", n=max_items))
    found = [str(uuid_field({name: item}, name)) for item in value]
    if len(set(found)) != len(found):
        raise invalid(name, _("must not repeat a UUID"))
    return found


def int_field(
    data: dict, name: str, *, low: int = 0, high: int = INT_MAX, optional=False
) -> int | None:
    """Return an integer field within [low, high]."""
    value = data.get(name)
    if value is None and optional:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise invalid(
            name, _("must be an integer from %(low)d to %(high)d", low=low, high=high)
        )
    return value


def text_field(data: dict, name: str, *, max_length: int, required=False) -> str:
    """Return a text field of at most max_length characters (no NUL)."""
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        raise invalid(name, _("must be text of at most %(n)d characters", n=max_length))
    if required and not value.strip():
        raise invalid(name, _("is required"))
    return value


def date_field(data: dict, name: str) -> date:
    """Return an ISO date field (YYYY-MM-DD)."""
    value = data.get(name)
    try:
        parsed = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise invalid(name, _("must be a date YYYY-MM-DD")) from None
    if not 2000 <= parsed.year <= 2100:
        raise invalid(name, _("must be between 2000 and 2100"))
    return parsed


def choice_field(data: dict, name: str, choices: set[Any], *, optional=False) -> Any:
    """Return a field whose value must be one of `choices`."""
    value = data.get(name)
    if value is None and optional:
        return None
    if (
        not isinstance(value, str | int)
        or isinstance(value, bool)
        or value not in choices
    ):
        raise invalid(
            name,
            _(
                "must be one of %(choices)s",
                choices=", ".join(map(str, sorted(choices))),
            ),
        )
    return value


def device_time(data: dict, name: str = "captured_at") -> datetime | None:
    """Return the device's capture time (ISO 8601 with an offset), or None.

    A device clock can be days off (reliability.md 41): the value is kept for
    review, never used for ordering, and anything unreadable is simply dropped.
    """
    value = data.get(name)
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None or not 1970 <= parsed.year <= 2200:
        return None
    return parsed.astimezone(UTC)
