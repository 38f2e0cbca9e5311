"""Check that photo rows and stored files agree (reliability.md I5)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from auditapp.core.storage import PhotoStore
from auditapp.extensions import db
from auditapp.findings.models import Photo


@dataclass
class PhotoReport:
    """What the check found; empty lists mean rows and files agree."""

    checked_rows: int = 0
    missing_files: list[tuple[int, str]] = field(default_factory=list)
    bad_checksums: list[tuple[int, str]] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether nothing is wrong."""
        return not (self.missing_files or self.bad_checksums or self.orphan_files)


def _digest(store: PhotoStore, key: str) -> str:
    with store.open(key) as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def check_photos(store: PhotoStore) -> PhotoReport:
    """Compare every photo row with the stored files, across all organisations."""
    report, known = PhotoReport(), set()
    rows = db.session.execute(
        select(
            Photo.id,
            Photo.key,
            Photo.sha256,
            Photo.thumb_key,
            Photo.thumb_sha256,
            Photo.original_key,
        )
    ).all()
    for row in rows:
        report.checked_rows += 1
        for key, expected in (
            (row.key, row.sha256),
            (row.thumb_key, row.thumb_sha256),
            (row.original_key, None),
        ):
            if not key:
                continue
            known.add(key)
            if not store.exists(key):
                report.missing_files.append((row.id, key))
            elif expected and _digest(store, key) != expected:
                report.bad_checksums.append((row.id, key))
    report.orphan_files = sorted(k for k in store.keys() if k not in known)
    return report


def fix_photos(store: PhotoStore, report: PhotoReport) -> None:
    """Delete orphan files, and rows whose file is missing or damaged."""
    for key in report.orphan_files:
        store.delete(key)
    broken = {pid for pid, _ in report.missing_files + report.bad_checksums}
    for photo in db.session.execute(
        select(Photo).where(Photo.id.in_(broken))
    ).scalars():
        for key in (photo.key, photo.thumb_key, photo.original_key):
            if key:
                store.delete(key)
        db.session.delete(photo)
    db.session.flush()
