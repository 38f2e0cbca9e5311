"""Where photo bytes live: a small protocol and the local-folder implementation.

Keys are generated here, never taken from the user (reliability.md test 11), and a file
appears under its key only once it is complete and on disk (I5): write a temp file,
fsync it, rename it into place, fsync the directory (Pillai et al., OSDI '14).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from werkzeug.security import safe_join

#: Suffixes a stored file may have.
SUFFIXES = (".jpg", ".png", ".webp")
#: "ab/cd/<uuid4 hex>.jpg": two fan-out levels keep directories small.
KEY_PATTERN = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}\.(?:jpg|png|webp)")
#: Stored photos are readable by the app's user and group (backups), nobody else.
FILE_MODE = 0o640
DIR_MODE = 0o750
TMP_DIR = "tmp"


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()


@runtime_checkable
class PhotoStore(Protocol):
    """Store bytes under server-generated keys."""

    def save(self, data: bytes, *, suffix: str = ".jpg") -> str:
        """Store data durably and return its new key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Return the stored bytes as a binary file; FileNotFoundError if missing."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Return whether a file is stored under key."""
        ...

    def keys(self) -> Iterator[str]:
        """Yield every stored key (for the consistency checker)."""
        ...

    def size(self, key: str) -> int:
        """Return the stored size in bytes; FileNotFoundError if missing."""
        ...


class LocalPhotoStore:
    """A PhotoStore in a local folder, with temp files under root/tmp/.

    Nothing is created on disk until the first save.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.tmp_dir = self.root / TMP_DIR

    def save(self, data: bytes, *, suffix: str = ".jpg") -> str:
        """Write data to a temp file, fsync, rename to a new key, fsync the folder."""
        if suffix not in SUFFIXES:
            raise ValueError(f"unsupported suffix {suffix!r}")
        name = uuid.uuid4().hex
        key = f"{name[:2]}/{name[2:4]}/{name}{suffix}"
        final = self._path(key)
        self._make_dirs(self.tmp_dir)
        self._make_dirs(final.parent)
        fd, tmp_name = tempfile.mkstemp(
            dir=self.tmp_dir, prefix="save-", suffix=".part"
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), FILE_MODE)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, final)
        except Exception:
            # A refused write (disk full, I/O error) leaves nothing behind. A crash
            # here leaves the temp file, which sweep_tmp removes later.
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)
        return key

    def open(self, key: str) -> BinaryIO:
        """Return the stored file opened for binary reading."""
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        """Remove the file under key if there is one."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Return whether a file is stored under key."""
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """Return the stored size in bytes."""
        return self._path(key).stat().st_size

    def keys(self) -> Iterator[str]:
        """Yield every stored key, in no order; tmp/ and stray files are skipped."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            key = path.relative_to(self.root).as_posix()
            if KEY_PATTERN.fullmatch(key) and path.is_file():
                yield key

    def sweep_tmp(self, older_than: timedelta) -> int:
        """Delete temp files older than older_than (crash leftovers); count them."""
        if not self.tmp_dir.is_dir():
            return 0
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        with os.scandir(self.tmp_dir) as entries:
            for entry in entries:
                try:
                    if entry.is_file(follow_symlinks=False) and (
                        entry.stat(follow_symlinks=False).st_mtime < cutoff
                    ):
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:  # another worker swept it first
                    continue
        return removed

    def _path(self, key: str) -> Path:
        """Return the absolute path for a valid key inside root, else ValueError."""
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"invalid photo key {key!r}")
        joined = safe_join(str(self.root), key)
        if joined is None:
            raise ValueError(f"invalid photo key {key!r}")
        path = Path(joined)
        # Symlinked folders must not lead out of the store either.
        if not path.resolve().is_relative_to(self.root):
            raise ValueError(f"photo key {key!r} resolves outside the store")
        return path

    def _make_dirs(self, directory: Path) -> None:
        """Create directory and its missing parents, fsyncing each new entry."""
        missing = []
        while not directory.is_dir():
            missing.append(directory)
            directory = directory.parent
        for new_dir in reversed(missing):
            try:
                new_dir.mkdir(mode=DIR_MODE)
            except FileExistsError:  # a concurrent save made it
                continue
            _fsync_dir(new_dir.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename or mkdir inside directory durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
