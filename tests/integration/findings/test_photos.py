import io
import os
import re
import time
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from auditapp.audits import services as audits
from auditapp.core.tenancy import Role
from auditapp.findings.models import FrictionPoint, Photo
from auditapp.journeys.services import load_journey
from tests import factories
from tests.conftest import csrf_token, sign_in


def phone_jpeg(size=(4000, 3000), orientation=6) -> bytes:
    """A JPEG as a phone sends it: EXIF says 'rotate 90°' and carries GPS."""
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((40, 40, 200), (0, 0, size[0] // 4, size[1]))  # blue strip on the left
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = "SERIAL-123456"  # body serial number
    exif.get_ifd(0x8825).update(
        {1: "N", 2: (60.0, 10.0, 0.0), 3: "E", 4: (24.0, 56.0, 0.0)}
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif, comment=b"<script>x</script>")
    return out.getvalue()


@pytest.fixture
def walk(app, db):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    journey = factories.make_journey(org, touchpoints=1, expectations=2)
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    db.session.commit()
    visit = audits.load_audit(org.id, audit.id).visits[0]
    return org, auditor, audit, visit


def _upload(client, db, photo):
    """POST one (stream, filename) to the only friction point, as the browser does."""
    point = db.session.execute(select(FrictionPoint)).scalar_one()
    token = csrf_token(client, f"/friction/{point.id}")
    return client.post(
        f"/friction/{point.id}/photos",
        data={"photo": photo},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        content_type="multipart/form-data",
    )


def _new_point(client, visit, **extra):
    path = f"/visits/{visit.id}/friction/new"
    data = {
        "csrf_token": csrf_token(client, path),
        "title": "Queue at the till",
        "description": "Ten minutes, one till open",
        "severity": "3",
        **extra,
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def test_friction_point_photo_is_upright_small_and_without_metadata(
    app, db, client, login_as, walk
):
    _org, auditor, _audit, visit = walk
    login_as(auditor)

    response = _new_point(
        client, visit, photo_files=[(io.BytesIO(phone_jpeg()), "IMG_0001.JPG")]
    )

    assert response.status_code == 303
    photo = db.session.execute(select(Photo)).scalar_one()
    served = client.get(f"/photos/{photo.id}/display")
    image = Image.open(io.BytesIO(served.data))
    assert (image.width, image.height) == (1200, 1600)  # rotated: portrait
    assert image.getpixel((600, 100))[2] > 150  # blue strip now on top
    assert dict(image.getexif()) == {}
    assert b"<script>" not in served.data and b"SERIAL" not in served.data
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Cache-Control"] == "private, no-store"
    assert photo.original_filename == "IMG_0001.JPG"
    thumb = Image.open(io.BytesIO(client.get(f"/photos/{photo.id}/thumb").data))
    assert max(thumb.size) == 320


def test_rejected_photo_keeps_the_friction_point_text(app, db, client, login_as, walk):
    _org, auditor, _audit, visit = walk
    login_as(auditor)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    response = _new_point(client, visit, photo_files=[(io.BytesIO(svg), "photo.jpg")])

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "photo.jpg:" in page  # the reason is shown
    assert db.session.execute(select(FrictionPoint.title)).scalar_one() == (
        "Queue at the till"
    )
    assert db.session.execute(select(func.count(Photo.id))).scalar_one() == 0


def test_upload_endpoint_answers_json_with_checksum(app, db, client, login_as, walk):
    _org, auditor, _audit, visit = walk
    login_as(auditor)
    _new_point(client, visit)

    response = _upload(
        client, db, (io.BytesIO(phone_jpeg((1600, 1200), 1)), "small.jpg")
    )

    body = response.get_json()
    photo = db.session.get(Photo, body["id"])
    assert response.status_code == 201
    assert body["sha256"] == photo.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", body["sha256"])


@pytest.mark.parametrize(
    "payload,status",
    [
        (b"%PDF-1.4\n1 0 obj<<>>endobj", 415),
        (b"PK\x03\x04" + b"\x00" * 100, 415),
        (b"<html><script>alert(1)</script></html>", 415),
        (phone_jpeg((800, 600), 1)[:2000], 422),
    ],
    ids=["pdf", "zip", "html", "truncated"],
)
def test_upload_endpoint_refuses_non_images_with_a_message(
    app, db, client, login_as, walk, payload, status
):
    _org, auditor, _audit, visit = walk
    login_as(auditor)
    _new_point(client, visit)

    response = _upload(client, db, (io.BytesIO(payload), "photo.jpg"))

    assert response.status_code == status
    assert response.get_json()["message"]
    assert db.session.execute(select(func.count(Photo.id))).scalar_one() == 0
    photo_dir = app.config["PHOTO_DIR"]
    from pathlib import Path

    assert [p for p in Path(photo_dir).rglob("*") if p.is_file()] == []


def test_oversized_upload_is_refused_before_it_is_read(app, db, client, login_as, walk):
    _org, auditor, _audit, visit = walk
    login_as(auditor)
    _new_point(client, visit)
    app.config["PHOTO_MAX_BYTES"] = 100 * 1024

    response = _upload(
        client, db, (io.BytesIO(b"\xff\xd8" + b"0" * 300_000), "big.jpg")
    )

    assert response.status_code == 413
    assert db.session.execute(select(func.count(Photo.id))).scalar_one() == 0


def test_photo_of_another_org_is_not_found(app, db, client, walk):
    _org, auditor, _audit, visit = walk
    sign_in(client, auditor.email)
    _new_point(
        client, visit, photo_files=[(io.BytesIO(phone_jpeg((800, 600))), "a.jpg")]
    )
    photo = db.session.execute(select(Photo)).scalar_one()
    other_org = factories.make_org()
    stranger = factories.make_user(other_org, Role.ADMIN)
    other = app.test_client()
    sign_in(other, stranger.email)

    assert other.get(f"/photos/{photo.id}/display").status_code == 404
    assert other.get(f"/static/../instance/photos/{photo.key}").status_code == 404


def test_photos_check_reports_orphans_and_fix_removes_them(
    app, db, runner, client, walk
):
    _org, auditor, _audit, visit = walk
    sign_in(client, auditor.email)
    _new_point(
        client, visit, photo_files=[(io.BytesIO(phone_jpeg((800, 600))), "a.jpg")]
    )
    from auditapp.findings.services import photo_store

    orphan = photo_store().save(b"not referenced by any row")
    leftover = photo_store().tmp_dir / "save-crashed.part"
    leftover.write_bytes(b"half a photo")
    two_hours_ago = time.time() - 7200
    os.utime(leftover, (two_hours_ago, two_hours_ago))

    report = runner.invoke(args=["photos", "check"])
    fixed = runner.invoke(args=["photos", "check", "--fix"])
    clean = runner.invoke(args=["photos", "check"])

    assert report.exit_code != 0 and f"orphan file: {orphan}" in report.output
    assert fixed.exit_code == 0 and not photo_store().exists(orphan)
    assert clean.exit_code == 0 and "Rows and files agree." in clean.output
    assert "1 unfinished temporary files removed." in report.output
    assert not leftover.exists()
