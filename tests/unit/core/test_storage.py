"""LocalPhotoStore: atomic writes, server-generated keys, no way out of the root.

Real files under tmp_path; reliability.md tests 11 and 47, invariant I5.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from auditapp.core import storage
from auditapp.core.storage import KEY_PATTERN, LocalPhotoStore, PhotoStore, sha256_hex

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes are bytes"
VALID_SHAPE = "ab/cd/0123456789abcdef0123456789abcdef.jpg"


class Crash(BaseException):
    """Stands in for the process dying: no `except Exception` handler runs."""


def crash_on_rename(src, dst):
    raise Crash


@pytest.fixture
def store(tmp_path) -> LocalPhotoStore:
    return LocalPhotoStore(tmp_path / "photos")


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def tmp_files(store: LocalPhotoStore) -> list[Path]:
    return sorted(store.tmp_dir.iterdir()) if store.tmp_dir.exists() else []


def test_local_store_implements_the_protocol(store):
    assert isinstance(store, PhotoStore)


def test_constructing_a_store_touches_nothing(tmp_path):
    LocalPhotoStore(tmp_path / "photos")

    assert list(tmp_path.iterdir()) == []


def test_save_then_open_exists_size_keys_delete_round_trip(store):
    key = store.save(PHOTO)

    assert KEY_PATTERN.fullmatch(key)
    assert store.exists(key) is True
    with store.open(key) as fh:
        assert fh.read() == PHOTO
    assert store.size(key) == len(PHOTO)
    assert list(store.keys()) == [key]

    store.delete(key)

    assert store.exists(key) is False
    assert list(store.keys()) == []
    assert tmp_files(store) == []


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp"])
def test_save_uses_the_requested_suffix(store, suffix):
    key = store.save(PHOTO, suffix=suffix)

    assert key.endswith(suffix)
    assert store.exists(key)


@pytest.mark.parametrize("suffix", [".html", ".jpg.php", "jpg", "", ".JPG"])
def test_save_refuses_other_suffixes(store, suffix):
    with pytest.raises(ValueError):
        store.save(PHOTO, suffix=suffix)


def test_same_bytes_saved_twice_get_two_keys_and_both_survive(store):
    first = store.save(PHOTO)
    second = store.save(PHOTO)

    assert first != second
    assert sorted(store.keys()) == sorted([first, second])
    with store.open(first) as one, store.open(second) as two:
        assert one.read() == two.read() == PHOTO


def test_keys_skip_temp_files_and_strays(store):
    key = store.save(PHOTO)
    (store.tmp_dir / "save-leftover.part").write_bytes(b"half")
    (store.root / key).with_name("notes.txt").write_bytes(b"stray")
    (store.root / "README").write_bytes(b"stray")

    assert list(store.keys()) == [key]


def test_missing_key_reads_raise_and_delete_is_quiet(store):
    assert store.exists(VALID_SHAPE) is False
    store.delete(VALID_SHAPE)
    with pytest.raises(FileNotFoundError):
        store.open(VALID_SHAPE)
    with pytest.raises(FileNotFoundError):
        store.size(VALID_SHAPE)


def test_files_are_not_readable_by_others(store):
    key = store.save(PHOTO)

    mode = (store.root / key).stat().st_mode & 0o777
    assert mode & ~0o640 == 0


HOSTILE_KEYS = [
    "../../etc/passwd",
    "/etc/passwd",
    "ab/cd/x.jpg\x00.html",
    "..\\x.jpg",
    "ab/cd/../../x.jpg",
    f"../{VALID_SHAPE}",
    f"/{VALID_SHAPE}",
    f"{VALID_SHAPE}\n",
    VALID_SHAPE.replace(".jpg", ".html"),
    VALID_SHAPE.upper(),
    VALID_SHAPE.replace("/", "\\"),
    "tmp/save-x.part",
    "",
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
@pytest.mark.parametrize("method", ["open", "exists", "size", "delete"])
def test_hostile_key_raises_and_touches_nothing(tmp_path, store, key, method):
    store.save(PHOTO)
    (tmp_path / "x.jpg").write_bytes(b"outside")
    before = snapshot(tmp_path)

    with pytest.raises(ValueError):
        getattr(store, method)(key)

    assert snapshot(tmp_path) == before


def test_symlinked_folder_cannot_lead_out_of_the_root(tmp_path, store):
    outside = tmp_path / "outside" / "cd"
    outside.mkdir(parents=True)
    (outside / VALID_SHAPE.rsplit("/", 1)[1]).write_bytes(b"outside")
    store.root.mkdir()
    (store.root / "ab").symlink_to(tmp_path / "outside")

    for method in ("open", "exists", "size", "delete"):
        with pytest.raises(ValueError):
            getattr(store, method)(VALID_SHAPE)

    assert (outside / VALID_SHAPE.rsplit("/", 1)[1]).read_bytes() == b"outside"


def test_crash_between_write_and_rename_leaves_only_a_temp_file(store, monkeypatch):
    monkeypatch.setattr(storage.os, "replace", crash_on_rename)

    with pytest.raises(Crash):
        store.save(PHOTO)

    monkeypatch.undo()
    assert list(store.keys()) == []
    [leftover] = tmp_files(store)
    assert leftover.read_bytes() == PHOTO


def test_sweep_tmp_removes_only_stale_crash_leftovers(store, monkeypatch):
    monkeypatch.setattr(storage.os, "replace", crash_on_rename)
    with pytest.raises(Crash):
        store.save(PHOTO)
    monkeypatch.undo()
    kept = store.save(PHOTO)
    [leftover] = tmp_files(store)

    assert store.sweep_tmp(timedelta(hours=1)) == 0

    two_hours_ago = time.time() - 2 * 3600
    os.utime(leftover, (two_hours_ago, two_hours_ago))
    assert store.sweep_tmp(timedelta(hours=1)) == 1
    assert tmp_files(store) == []
    assert list(store.keys()) == [kept]


def test_sweep_tmp_on_an_empty_store_is_zero(store):
    assert store.sweep_tmp(timedelta(0)) == 0


def test_failed_rename_removes_its_temp_file_at_once(store, monkeypatch):
    def disk_error(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage.os, "replace", disk_error)

    with pytest.raises(OSError):
        store.save(PHOTO)

    monkeypatch.undo()
    assert list(store.keys()) == []
    assert tmp_files(store) == []


def test_sha256_hex_matches_the_standard_vector():
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
