"""FrictionPoint (särö) and its Photos."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auditapp.core.db import OrgScopedMixin, utcnow
from auditapp.extensions import db

TITLE_MAX = 200
DESCRIPTION_MAX = 5_000
FILENAME_MAX = 255


class Severity(enum.IntEnum):
    """How badly a friction point hurts the customer."""

    COSMETIC = 1
    ANNOYING = 2
    SERIOUS = 3
    BLOCKING = 4

    @property
    def label(self):
        """Return the translated name with its number."""
        return SEVERITY_LABELS[self]


SEVERITY_LABELS = {
    Severity.COSMETIC: _l("1 – cosmetic"),
    Severity.ANNOYING: _l("2 – annoying"),
    Severity.SERIOUS: _l("3 – serious"),
    Severity.BLOCKING: _l("4 – blocks the customer"),
}


class FrictionPoint(OrgScopedMixin, db.Model):
    """A crack between expectation and realization, found at a touchpoint."""

    __table_args__ = (
        CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        UniqueConstraint("org_id", "client_uuid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made by the device that logged it, or here when logged online
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audit.id", ondelete="CASCADE"), index=True
    )
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoint_visit.id", ondelete="CASCADE"), index=True
    )
    #: The expectation it breaks, when it came from an answer
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Increases with every change; an offline edit names the version it started from
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    #: Client UUIDs of the photos the device said belong here, in its order: until
    #: each arrives, the point shows "photo 3 of 4 not received yet" (ODK's slots)
    declared_photos: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]"
    )

    photos: Mapped[list[Photo]] = relationship(
        back_populates="friction_point",
        order_by="Photo.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )

    def photo_slots(self) -> list[tuple[str, Photo | None]]:
        """Return (client UUID, photo or None) per declared photo, then the others.

        Needs the photos loaded.
        """
        received = {str(photo.client_uuid): photo for photo in self.photos}
        slots = [(key, received.get(key)) for key in self.declared_photos]
        declared = set(self.declared_photos)
        return slots + [(k, p) for k, p in received.items() if k not in declared]


class Photo(OrgScopedMixin, db.Model):
    """A normalised photo of a friction point: stored files plus their checksums."""

    __table_args__ = (UniqueConstraint("org_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made by the device that took it, or here for a plain form upload
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    friction_point_id: Mapped[int] = mapped_column(
        ForeignKey("friction_point.id", ondelete="CASCADE"), index=True
    )
    #: Storage key of the display version (long edge ≤ 1600 px, no metadata)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(50), default="image/jpeg")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: Checksum of the bytes as the device sent them (before normalisation)
    source_sha256: Mapped[str] = mapped_column(
        String(64), default="", server_default=""
    )
    width: Mapped[int]
    height: Mapped[int]
    thumb_key: Mapped[str] = mapped_column(String(100), unique=True)
    thumb_size: Mapped[int]
    thumb_sha256: Mapped[str] = mapped_column(String(64))
    #: Kept only when the KEEP_ORIGINAL_PHOTOS setting is on
    original_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    #: The name the phone gave the file; display only, never used for storage
    original_filename: Mapped[str] = mapped_column(String(FILENAME_MAX), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    friction_point: Mapped[FrictionPoint] = relationship(
        back_populates="photos", lazy="raise"
    )
