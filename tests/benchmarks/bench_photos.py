"""Photo upload pipeline: time ratios against a full-decode baseline in the same run.

Run from the repository root (not collected by pytest; exits non-zero on a miss):

    .venv/bin/python -m tests.benchmarks.bench_photos [--runs 21] [--dir PATH]

Cases, on a synthetic 4000×3000 q90 JPEG (~2 MB, photographic noise, EXIF
Orientation 6), each the median of --runs interleaved rounds:

  (a) decode  Image.open(...).load(): the full-resolution decode, the baseline
  (b) B5      normalise_photo + LocalPhotoStore.save of display and thumb
  (c) naive   full decode + exif_transpose + LANCZOS to 1600 + save q82
  (d) B6      B5 on an already-downscaled 1600 px upload (a phone that resized)
  (e) B5 POST the real upload endpoint through the Flask test client: sign-in
              session, CSRF, normalise, store, Photo row, commit, JSON answer

Targets (performance.md §1 items 7–8, §5, §8): B5/decode ≤ 2.0, B5/naive ≤ 0.6,
B6/B5 ≤ 0.25, and the same B5 targets for the real POST path.

The B5 output must have no EXIF, be upright, ≤ 1600 px, ≤ 400 KB.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import PIL
from PIL import Image, ImageOps, features

from auditapp.core.images import NormalisedPhoto, normalise_photo
from auditapp.core.storage import LocalPhotoStore

WIDTH, HEIGHT = 4000, 3000
DISPLAY_EDGE = 1600
MAX_DISPLAY_BYTES = 400 * 1024
MARKER = (230, 20, 20)  # a red block in the stored top-left corner
TARGETS = [  # (name, numerator, denominator, limit)
    ("B5/decode", "B5", "decode", 2.0),
    ("B5/naive", "B5", "naive", 0.6),
    ("B6/B5", "B6", "B5", 0.25),
    ("POST/decode", "POST", "decode", 2.0),
    ("POST/naive", "POST", "naive", 0.6),
]


def synthetic_photo() -> bytes:
    """Return a 4000×3000 q90 JPEG with photo-like detail and EXIF Orientation 6."""
    size = (WIDTH, HEIGHT)
    fractal = Image.effect_mandelbrot(
        (WIDTH // 4, HEIGHT // 4), (-2.2, -1.2, 1.0, 1.2), 100
    ).resize(size, Image.Resampling.BICUBIC)
    noise = Image.effect_noise(size, 40)
    red = Image.blend(Image.linear_gradient("L").resize(size), noise, 0.2)
    green = Image.blend(Image.radial_gradient("L").resize(size), fractal, 0.5)
    blue = Image.blend(fractal, noise, 0.2)
    img = Image.merge("RGB", (red, green, blue))
    img.paste(MARKER, (0, 0, 800, 600))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90° clockwise to display
    exif[0x010F] = "BenchPhone"
    exif.get_ifd(0x8825).update({1: "N", 2: (60.0, 10.0, 12.5)})
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def decode(data: bytes) -> None:
    Image.open(io.BytesIO(data)).load()


def naive(data: bytes) -> bytes:
    img = Image.open(io.BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img)
    scale = DISPLAY_EDGE / max(img.size)
    size = (round(img.width * scale), round(img.height * scale))
    img = img.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def normalise_and_store(data: bytes, store: LocalPhotoStore) -> NormalisedPhoto:
    photo = normalise_photo(io.BytesIO(data))
    store.save(photo.display.data)
    store.save(photo.thumb.data)
    return photo


def upload_endpoint(tmp: Path, data: bytes) -> Callable[[], object]:
    """Return a callable that POSTs `data` to the real photo endpoint (201 or fail)."""
    from datetime import date

    from auditapp import create_app
    from auditapp.audits import services as audits
    from auditapp.core.tenancy import Role
    from auditapp.extensions import db
    from auditapp.findings import services as findings
    from auditapp.findings.models import Severity
    from auditapp.journeys.services import load_journey
    from tests import factories
    from tests.conftest import BrowserLikeClient, csrf_token, sign_in

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "PHOTO_DIR": str(tmp / "app-photos"),
            "SECRET_KEY": "benchmark-secret-key-long-enough",
        }
    )
    app.test_client_class = BrowserLikeClient
    with app.app_context():
        db.create_all()
        org = factories.make_org()
        auditor = factories.make_user(org, Role.AUDITOR)
        journey = factories.make_journey(org)
        audit = audits.start_audit(
            load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
        )
        visit = audits.load_audit(org.id, audit.id).visits[0]
        point = findings.log_friction_point(
            visit,
            audit,
            author=auditor,
            title="Q",
            description="",
            severity=Severity.SERIOUS,
        )
        db.session.commit()
        email, url = auditor.email, f"/friction/{point.id}/photos"
        # The benchmark uploads hundreds of photos; lift the per-point cap here.
        findings.MAX_PHOTOS_PER_FRICTION_POINT = 10_000
    client = app.test_client()
    sign_in(client, email)
    token = csrf_token(client, f"/friction/{point.id}")

    def post() -> object:
        response = client.post(
            url,
            data={"photo": (io.BytesIO(data), "IMG_0001.JPG")},
            headers={"X-CSRFToken": token, "Accept": "application/json"},
            content_type="multipart/form-data",
        )
        if response.status_code != 201:
            raise RuntimeError(f"upload failed: {response.status_code}")
        return response

    return post


def measure(cases: dict[str, Callable[[], object]], runs: int) -> dict[str, list]:
    """Time each case runs times, interleaved so drift hits every case alike."""
    for case in cases.values():  # warm-up: imports, allocator, page cache
        case()
        case()
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            started = time.perf_counter()
            case()
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def output_checks(photo: NormalisedPhoto) -> list[tuple[str, bool]]:
    img = Image.open(io.BytesIO(photo.display.data))
    img.load()
    # Stored top-left ends up top-right once rotated clockwise.
    top_right = img.getpixel((img.width - 40, 30))
    return [
        ("no EXIF", len(img.getexif()) == 0 and "exif" not in img.info),
        ("portrait (width and height swapped)", img.height > img.width),
        (
            "upright (stored top-left now top-right)",
            top_right[0] > 180 and top_right[1] < 80,
        ),
        (f"long edge ≤ {DISPLAY_EDGE} px", max(img.size) <= DISPLAY_EDGE),
        (
            f"display ≤ {MAX_DISPLAY_BYTES // 1024} KB",
            len(photo.display.data) <= MAX_DISPLAY_BYTES,
        ),
    ]


def filesystem_of(path: Path) -> str:
    """Return the mount type of path (fsync cost depends on it)."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                _dev, mount_point, fs_type, *_ = line.split()
                if str(path).startswith(mount_point) and len(mount_point) > len(best):
                    best, kind = mount_point, fs_type
    except OSError:
        pass
    return kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=21, help="rounds (min 15)")
    parser.add_argument("--dir", type=Path, help="where the store writes (a temp dir)")
    args = parser.parse_args(argv)
    runs = max(15, args.runs)

    source = synthetic_photo()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = LocalPhotoStore(Path(tmp) / "photos")
        photo = normalise_and_store(source, store)
        downscaled = photo.display.data
        timings = measure(
            {
                "decode": lambda: decode(source),
                "B5": lambda: normalise_and_store(source, store),
                "naive": lambda: naive(source),
                "B6": lambda: normalise_and_store(downscaled, store),
                "POST": upload_endpoint(Path(tmp), source),
            },
            runs,
        )
        fs_type = filesystem_of(Path(tmp).resolve())

    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(
        f"Photo pipeline: {WIDTH}×{HEIGHT} q90 JPEG, {len(source) / 1e6:.2f} MB, "
        f"EXIF Orientation 6; median of {runs} interleaved runs"
    )
    print(
        f"Python {platform.python_version()}, Pillow {PIL.__version__}, "
        f"libjpeg-turbo {features.version('libjpeg_turbo')}, {os.cpu_count()} CPUs, "
        f"store on {fs_type}"
    )
    print()
    labels = {
        "decode": "(a) decode: Image.open().load()",
        "B5": "(b) B5: normalise_photo + save display, thumb",
        "naive": "(c) naive: decode, transpose, LANCZOS, save",
        "B6": "(d) B6: B5 on the 1600 px output",
        "POST": "(e) B5 via POST /friction/<id>/photos (+ row)",
    }
    print(f"{'case':<48}{'median ms':>10}{'min':>8}{'max':>8}")
    for name, label in labels.items():
        values = timings[name]
        print(
            f"{label:<48}{medians[name]:>10.1f}{min(values):>8.1f}{max(values):>8.1f}"
        )
    print()
    failed = False
    print(f"{'ratio':<12}{'value':>7}{'target':>10}  result")
    for name, numerator, denominator, limit in TARGETS:
        value = medians[numerator] / medians[denominator]
        ok = value <= limit
        failed |= not ok
        target = f"≤ {limit:.2f}"
        print(f"{name:<12}{value:>7.2f}{target:>10}  {'PASS' if ok else 'FAIL'}")
    print()
    display, thumb = photo.display, photo.thumb
    print(
        f"B5 output: display {display.width}×{display.height} "
        f"{len(display.data) / 1024:.0f} KB, "
        f"thumb {thumb.width}×{thumb.height} {len(thumb.data) / 1024:.0f} KB"
    )
    for label, ok in output_checks(photo):
        failed |= not ok
        print(f"  {label:<40}{'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
