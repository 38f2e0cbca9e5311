"""Idempotent sync endpoints: one receipt per (organisation, client UUID).

A device sends each record it made offline with a UUID and retries until it gets an
acknowledgement. The first request does the work and stores its answer as a receipt in
the same transaction; a retry with the same payload gets that answer again (200, same
body); another payload under the same UUID gets 409 and changes nothing. The unique
constraint, not a check-then-insert, decides between concurrent duplicates
(reliability.md I1, I2).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from auditapp.core.db import OrgScopedMixin, utcnow
from auditapp.core.errors import DomainError
from auditapp.core.tenancy import current_org_id
from auditapp.extensions import db


class SyncReceipt(OrgScopedMixin, db.Model):
    """The answer given to the first request that carried a client UUID."""

    __table_args__ = (UniqueConstraint("org_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: What the UUID named: audit, visit_save, friction_point, photo, submission
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    #: Checksum of the canonical payload, to tell a retry from a reused UUID
    payload_sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    #: The server's clock when the record arrived: ordering and conflicts use this
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The device's clock when the record was captured; kept, never trusted
    captured_at_device: Mapped[datetime | None]


#: A device clock this far ahead of the server, or behind it, is probably wrong
#: (a record can wait offline for days, but not be captured after it arrived).
CLOCK_AHEAD = timedelta(minutes=10)
CLOCK_BEHIND = timedelta(days=30)


@dataclass(frozen=True)
class DeviceTime:
    """When a device says it captured a record, next to when the server got it."""

    captured: datetime
    received: datetime

    @property
    def clock_off(self) -> bool:
        """Whether the device's clock looks wrong (reliability.md 41)."""
        return (
            self.captured > self.received + CLOCK_AHEAD
            or self.captured < self.received - CLOCK_BEHIND
        )


def device_times(org_id: int, client_uuids) -> dict[uuid.UUID, DeviceTime]:
    """Return the device and server times of records that arrived through sync."""
    rows = db.session.execute(
        select(
            SyncReceipt.client_uuid,
            SyncReceipt.captured_at_device,
            SyncReceipt.received_at,
        ).where(
            SyncReceipt.org_id == org_id,
            SyncReceipt.client_uuid.in_(list(client_uuids)),
            SyncReceipt.captured_at_device.is_not(None),
        )
    ).all()
    return {
        r.client_uuid: DeviceTime(r.captured_at_device, r.received_at) for r in rows
    }


class SyncError(Exception):
    """A sync request the server refuses; `retryable` tells the device what to do."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        current: dict | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.retryable = status, code, retryable
        self.current = current


def payload_digest(payload: dict) -> str:
    """Return the sha256 of a payload in canonical JSON (key order does not matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def error_response(error: SyncError):
    """Return the JSON answer for a refused sync request."""
    body = {
        "error": error.code,
        "message": str(error),
        "retryable": error.retryable,
    }
    if error.current is not None:
        body["current"] = error.current
    response = jsonify(body)
    response.status_code = error.status
    if error.status == 503:
        response.headers["Retry-After"] = "2"
    return response


@dataclass(frozen=True)
class SyncRequest:
    """What every sync request carries besides its own fields."""

    client_uuid: uuid.UUID
    kind: str
    payload: dict
    captured_at_device: datetime | None = None


def _find(client_uuid: uuid.UUID) -> SyncReceipt | None:
    return db.session.execute(
        select(SyncReceipt).where(
            SyncReceipt.org_id == current_org_id(),
            SyncReceipt.client_uuid == client_uuid,
        )
    ).scalar_one_or_none()


def _replay(receipt: SyncReceipt, req: SyncRequest):
    same = (
        receipt.kind == req.kind
        and receipt.user_id == current_user.id
        and receipt.payload_sha256 == payload_digest(req.payload)
    )
    if not same:
        raise SyncError(
            409,
            "uuid_reused",
            _("This identifier was already used for different data."),
        )
    response = jsonify(json.loads(receipt.body))
    response.status_code = 200
    return response


def handle(
    req: SyncRequest,
    action: Callable[[], dict],
    *,
    on_failure: Callable[[], None] | None = None,
):
    """Answer a sync request: replay its receipt, or run `action` and commit once.

    `action` flushes the work and returns the acknowledgement body (which must echo
    the client UUID). `on_failure` undoes side effects outside the database (files)
    when the transaction does not commit.
    """
    try:
        receipt = _find(req.client_uuid)
        if receipt is not None:
            return _replay(receipt, req)
        body = action()
        db.session.add(
            SyncReceipt(
                org_id=current_org_id(),
                client_uuid=req.client_uuid,
                kind=req.kind,
                user_id=current_user.id,
                payload_sha256=payload_digest(req.payload),
                body=json.dumps(body),
                captured_at_device=req.captured_at_device,
            )
        )
        db.session.commit()
    except SyncError as error:
        _undo(on_failure)
        return error_response(error)
    except DomainError as error:
        _undo(on_failure)
        return error_response(_from_domain(error))
    except IntegrityError:
        # A concurrent duplicate won the unique constraint; its receipt is committed.
        _undo(on_failure)
        return _after_race(req, lost_to_a_row=True)
    except (OperationalError, StaleDataError):
        # The database was locked, or a concurrent save changed the same row first.
        _undo(on_failure)
        return _after_race(req, lost_to_a_row=False)
    response = jsonify(body)
    response.status_code = 201
    return response


def _undo(on_failure: Callable[[], None] | None) -> None:
    db.session.rollback()
    if on_failure is not None:
        on_failure()


def _after_race(req: SyncRequest, *, lost_to_a_row: bool):
    try:
        receipt = _find(req.client_uuid)
        if receipt is not None:
            return _replay(receipt, req)
    except SyncError as error:
        return error_response(error)
    except OperationalError:
        db.session.rollback()
    else:
        if lost_to_a_row:
            # The UUID belongs to a record this endpoint did not create (for example
            # an audit started online): retrying cannot help.
            return error_response(
                SyncError(
                    409,
                    "uuid_reused",
                    _("This identifier was already used for different data."),
                )
            )
    return error_response(
        SyncError(
            503,
            "busy",
            _("Another copy of this request is in progress."),
            retryable=True,
        )
    )


def _from_domain(error: DomainError) -> SyncError:
    # Rules of the domain are permanent answers: retrying the same data cannot help.
    codes = {403: "not_allowed", 409: "conflict", 422: "invalid"}
    return SyncError(error.status, codes.get(error.status, "invalid"), str(error))
