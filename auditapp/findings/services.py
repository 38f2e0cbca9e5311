"""Log friction points and attach photos. Services flush; views commit.

Photo files are written before the row; a view whose commit fails calls
`discard_files` so that no file is left without a row (reliability.md I5).
"""

from __future__ import annotations

import unicodedata
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from auditapp.audits.models import Answer, Audit, TouchpointVisit
from auditapp.audits.services import check_can_edit
from auditapp.auth.models import User
from auditapp.core.errors import DomainError
from auditapp.core.images import NormalisedPhoto
from auditapp.core.storage import LocalPhotoStore, PhotoStore
from auditapp.extensions import db
from auditapp.findings.models import FILENAME_MAX, FrictionPoint, Photo, Severity

MAX_PHOTOS_PER_FRICTION_POINT = 20


def photo_store() -> PhotoStore:
    """Return the configured photo store (a local folder by default)."""
    return LocalPhotoStore(Path(current_app.config["PHOTO_DIR"]))


def log_friction_point(
    visit: TouchpointVisit,
    audit: Audit,
    *,
    author: User,
    title: str,
    description: str,
    severity: Severity,
    answer: Answer | None = None,
    client_uuid: uuid.UUID | None = None,
    declared_photos: list[str] | None = None,
) -> FrictionPoint:
    """Record a friction point at a touchpoint, optionally tied to one expectation.

    `declared_photos` are the client UUIDs of the photos the device will send.
    Raises NotAllowed/Conflict unless the author walks this audit and it is open.
    """
    check_can_edit(audit, author)
    if answer is not None and answer.visit_id != visit.id:
        answer = None  # an expectation of another touchpoint: ignore, never trust
    point = FrictionPoint(
        org_id=audit.org_id,
        client_uuid=client_uuid or uuid.uuid4(),
        audit_id=audit.id,
        visit_id=visit.id,
        answer_id=answer.id if answer else None,
        title=title,
        description=description,
        severity=int(severity),
        created_by_id=author.id,
        declared_photos=list(declared_photos or []),
    )
    db.session.add(point)
    db.session.flush()
    return point


def update_friction_point(
    point: FrictionPoint,
    audit: Audit,
    *,
    author: User,
    title: str,
    description: str,
    severity: Severity,
) -> None:
    """Change a friction point's texts and severity."""
    check_can_edit(audit, author)
    point.title, point.description, point.severity = title, description, int(severity)
    db.session.flush()


def delete_friction_point(
    point: FrictionPoint, audit: Audit, *, author: User, store: PhotoStore
) -> list[str]:
    """Delete a friction point and its photo rows; return the file keys to delete."""
    check_can_edit(audit, author)
    keys = [k for photo in _photos_of(point) for k in _keys(photo)]
    db.session.delete(point)
    db.session.flush()
    return keys


def _photos_of(point: FrictionPoint) -> list[Photo]:
    return list(
        db.session.execute(
            select(Photo).where(Photo.friction_point_id == point.id)
        ).scalars()
    )


def _keys(photo: Photo) -> list[str]:
    return [k for k in (photo.key, photo.thumb_key, photo.original_key) if k]


def attach_photo(
    point: FrictionPoint,
    audit: Audit,
    *,
    photo: NormalisedPhoto,
    uploader: User,
    filename: str,
    store: PhotoStore,
    client_uuid: uuid.UUID | None = None,
    source_sha256: str = "",
) -> Photo:
    """Store a normalised photo's files and add its row.

    The files are fsynced and renamed into place before the row is flushed.
    `source_sha256` is the checksum of the bytes the device sent, kept so that the
    device can verify its photo arrived.
    """
    check_can_edit(audit, uploader)
    count = db.session.execute(
        select(func.count(Photo.id)).where(Photo.friction_point_id == point.id)
    ).scalar_one()
    if count >= MAX_PHOTOS_PER_FRICTION_POINT:
        raise DomainError(
            _(
                "A friction point can have at most %(n)d photos.",
                n=MAX_PHOTOS_PER_FRICTION_POINT,
            )
        )
    keys = [store.save(photo.display.data), store.save(photo.thumb.data)]
    if photo.original is not None:
        keys.append(store.save(photo.original, suffix=_suffix(photo.source_format)))
    row = Photo(
        org_id=audit.org_id,
        client_uuid=client_uuid or uuid.uuid4(),
        source_sha256=source_sha256,
        friction_point_id=point.id,
        key=keys[0],
        size=len(photo.display.data),
        sha256=photo.display.sha256,
        width=photo.display.width,
        height=photo.display.height,
        thumb_key=keys[1],
        thumb_size=len(photo.thumb.data),
        thumb_sha256=photo.thumb.sha256,
        original_key=keys[2] if len(keys) > 2 else None,
        original_filename=_display_name(filename),
        uploaded_by_id=uploader.id,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except Exception:
        discard_files(store, keys)
        raise
    return row


def delete_photo(photo: Photo, audit: Audit, *, author: User) -> list[str]:
    """Delete a photo row; return its file keys to delete after the commit."""
    check_can_edit(audit, author)
    keys = _keys(photo)
    db.session.delete(photo)
    db.session.flush()
    return keys


def discard_files(store: PhotoStore, keys: list[str]) -> None:
    """Delete stored files (after a failed commit, or once their rows are gone)."""
    for key in keys:
        store.delete(key)


def _suffix(source_format: str) -> str:
    return {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}.get(source_format, ".jpg")


def _display_name(filename: str) -> str:
    # Kept only to show the user which file it was; never used as a path.
    cleaned = "".join(
        ch
        for ch in filename
        if ch.isprintable() and unicodedata.category(ch) != "Cf"  # no RTL overrides
    )
    return cleaned[:FILENAME_MAX]
