"""An auditor walks the demo restaurant journey on a phone; a manager reviews it."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from auditapp.audits.models import Answer, Audit, Rating, TouchpointVisit
from auditapp.demo import seed_demo
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo
from auditapp.findings.services import photo_store
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("POLKU_SCREENSHOTS")

JOURNEY = "Restaurant visit: dinner for four"
LOCATION = "Esplanadi 12, Helsinki"
RETURN_COMMENT = "Add the receipt photo"
FRICTION_TEXT = "Nobody mentioned the opening hours; the listing showed none."
WEIGHTS = {"exceeded": 1.0, "met": 1.0, "partly": 0.5, "not_met": 0.0}
# The faces by value, cycled over the touchpoints.
FACES = {-2: "Very bad", -1: "Bad", 0: "Neutral", 1: "Good", 2: "Very good"}
EMOTIONS = [1, 2, 0, -1, 1, 2, -2, 0]
BLUE, RED = (0, 0, 255), (255, 0, 0)


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _phone_photo(path: Path) -> bytes:
    """A 4000×3000 camera JPEG stored sideways (Orientation=6) with a GPS position.

    The left quarter is blue, the rest red: turned upright (90° clockwise) the blue
    band is at the top.
    """
    img = Image.new("RGB", (4000, 3000), RED)
    img.paste(BLUE, (0, 0, 1000, 3000))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PolkuTestCam"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (60.0, 10.0, 5.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (24.0, 56.0, 30.0),
        ExifTags.GPS.GPSMapDatum: "GPS WGS-84",
    }
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90, exif=exif)
    data = out.getvalue()
    path.write_bytes(data)
    # The fixture really is what a phone sends: sideways, with a position.
    with Image.open(io.BytesIO(data)) as check:
        assert check.size == (4000, 3000)
        assert check.getexif()[ExifTags.Base.Orientation] == 6
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"GPS" in data and b"PolkuTestCam" in data
    return data


def _sign_in(page, base, login):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _press(page, button: str) -> None:
    """Tap a button that posts a form and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).tap()
    page.wait_for_load_state()


def _new_phone(browser):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _rating_for(visit_index: int, answer_index: int) -> str:
    if visit_index == 0 and answer_index == 0:
        return "not_met"
    if visit_index == 0 and answer_index == 1:
        return "partly"
    return "met"


def _answer_touchpoint(page, visit_index: int) -> tuple[list[str], int]:
    """Tap a pill for every expectation and a face; return the ratings and emotion."""
    ratings = []
    boxes = page.locator("fieldset.expect")
    for i in range(boxes.count()):
        rating = _rating_for(visit_index, i)
        box = boxes.nth(i)
        box.locator(f"label.rating--{rating}").tap()
        assert box.locator(f"label.rating--{rating} input").is_checked()
        ratings.append(rating)
    emotion = EMOTIONS[visit_index % len(EMOTIONS)]
    face = page.get_by_role("radio", name=FACES[emotion], exact=True)
    face.tap()
    assert face.is_checked()
    return ratings, emotion


def _checked_ratings(page) -> list[str | None]:
    return page.locator("fieldset.expect").evaluate_all(
        "boxes => boxes.map(b => b.querySelector('.ratings input:checked')?.value"
        " ?? null)"
    )


def _add_friction_point(page, visit_url, photo_path):
    """Follow the gap link of the first (not met) answer; attach the sideways photo."""
    boxes = page.locator("fieldset.expect")
    gap_link = "+ Add a friction point for this"
    assert boxes.nth(1).get_by_role("link", name=gap_link).is_visible()  # partly
    assert boxes.nth(2).locator(".gap-link").is_hidden()  # met
    boxes.nth(0).get_by_role("link", name=gap_link).tap()
    page.get_by_role("heading", name="New friction point").wait_for()
    assert "/friction/new" in page.url
    assert _no_horizontal_scroll(page)
    assert page.get_by_label("Short title").input_value()  # from the expectation
    page.get_by_label("Description").fill(FRICTION_TEXT)
    page.get_by_label("3 – serious").check()
    gallery = page.locator("input[type=file][name=photo_files]:not([capture])")
    assert page.locator("input[type=file][name=photo_files]").count() == 2
    gallery.set_input_files(str(photo_path))
    page.locator(".uploads li.upload").filter(has_text=photo_path.name).wait_for()
    _shot(page, "03-friction-point")

    photos_url = re.compile(r"/friction/\d+/photos$")
    with page.expect_response(
        lambda r: bool(photos_url.search(r.url)) and r.request.method == "POST",
        timeout=60_000,
    ) as upload_info:
        page.get_by_role("button", name="Save friction point").tap()
    upload = upload_info.value
    assert upload.status == 201, upload.text()
    # The phone sends a downscaled re-encode, not the 12-megapixel original.
    sent = int(upload.request.all_headers().get("content-length") or 0)
    assert 0 < sent < photo_path.stat().st_size / 2, sent
    page.wait_for_url(f"{visit_url}#friction", timeout=60_000)

    friction = page.locator("#friction")
    item = friction.locator("li.friction")
    assert item.count() == 1
    assert item.locator(".severity--3").is_visible()
    thumb = item.locator(".thumbs img")
    assert thumb.count() == 1
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    # The thumbnail is upright too: taller than wide.
    width, height = thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert height > width


def _opens_at_its_top(page) -> bool:
    """Whether the touchpoint screen shows its name, need and first expectation."""
    return page.evaluate(
        """() => {
          const first = document.querySelector("fieldset.expect .ratings");
          const box = first.getBoundingClientRect();
          return window.scrollY === 0 && box.bottom <= window.innerHeight;
        }"""
    )


def _block_autosave(page) -> list[str]:
    """Make every autosave request fail; return the list of blocked urls."""
    blocked = []

    def handle(route):
        request = route.request
        if request.method == "POST" and "json" in (request.headers.get("accept") or ""):
            blocked.append(request.url)
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r"/visits/\d+(#.*)?$"), handle)
    return blocked


def _walk(page, base, photo_path):
    """Answer every touchpoint with "Save and continue" until the overview.

    Returns the ratings per touchpoint, the emotions, the overview url and the
    touchpoints whose screen did not open at its top.
    """
    all_ratings, emotions, scrolled_away = [], [], []
    visit_url = re.compile(rf"^{re.escape(base)}/visits/\d+$")
    overview_url = re.compile(rf"^{re.escape(base)}/audits/\d+$")
    index = 0
    while True:
        page.wait_for_load_state()
        here = page.url.split("#")[0]
        if overview_url.match(here):
            return all_ratings, emotions, here, scrolled_away
        assert visit_url.match(here), page.url
        assert page.get_by_text(f"Touchpoint {index + 1} of 16").is_visible()
        assert page.locator("fieldset.expect").count() > 0
        if not _opens_at_its_top(page):
            name = page.locator("h1").inner_text()
            scrolled_away.append(f"{index + 1} {name} ({page.url.split('/')[-1]})")
            if index == 1:
                _shot(page, "02b-next-touchpoint-scrolled")
            page.evaluate("window.scrollTo(0, 0)")
        blocked = _block_autosave(page) if index == 1 else None
        ratings, emotion = _answer_touchpoint(page, index)
        if index == 0:
            assert _no_horizontal_scroll(page)
            _shot(page, "02-touchpoint")
            # Autosave stores the answers before the auditor leaves for the form.
            page.locator(".save-state").filter(has_text="Saved").wait_for()
            _add_friction_point(page, here, photo_path)
            assert _checked_ratings(page) == ratings  # autosaved, read back
            face = page.get_by_role("radio", name=FACES[emotion], exact=True)
            assert face.is_checked()
            _shot(page, "04-touchpoint-with-friction")
        if blocked is not None:
            # Autosave failed here: the answers went to the device's outbox, which
            # delivered them through the sync API (not blocked).
            page.locator(".save-state").filter(has_text="Saved").wait_for()
            page.wait_for_function(
                "document.getElementById('sync-status').dataset.pending === '0'"
            )
            assert blocked
        all_ratings.append(ratings)
        emotions.append(emotion)
        button = page.locator("button[name=go][value=next]")
        assert re.fullmatch(r"Save and (continue|finish) →", button.inner_text())
        button.tap()
        page.wait_for_url(lambda url, here=here: url.split("#")[0] != here)
        if blocked is not None:
            page.unroute_all()
        index += 1


def _status_history(page) -> list[str]:
    return page.locator("ol.history li strong").all_inner_texts()


def test_auditor_walks_a_journey_and_manager_reviews_it(live_app, phone, tmp_path):
    app, base = live_app
    with app.app_context():
        logins = {login.role: login for login in seed_demo("en")}
        db.session.commit()
        db.session.remove()
    photo_path = tmp_path / "IMG_0042.jpg"
    _phone_photo(photo_path)
    page = phone

    # The auditor starts an audit of the restaurant journey.
    _sign_in(page, base, logins["auditor"])
    page.goto(f"{base}/audits/new")
    assert _no_horizontal_scroll(page)
    page.get_by_label("Journey").select_option(label=JOURNEY)
    page.get_by_label("Location or site").fill(LOCATION)
    _shot(page, "01-start-audit")
    page.get_by_role("button", name="Start walking").tap()
    page.wait_for_url(re.compile(r"/visits/\d+$"))

    ratings, emotions, overview, scrolled_away = _walk(page, base, photo_path)
    _shot(page, "05-overview")
    assert _no_horizontal_scroll(page)

    # What the auditor gave is what is stored.
    flat = [r for visit in ratings for r in visit]
    with app.app_context():
        # The demo holds audits of another journey; this one is at LOCATION.
        audit = db.session.execute(
            db.select(Audit).where(Audit.location == LOCATION)
        ).scalar_one()
        visits = (
            db.session.execute(
                db.select(TouchpointVisit)
                .where(TouchpointVisit.audit_id == audit.id)
                .order_by(TouchpointVisit.position)
            )
            .scalars()
            .all()
        )
        assert audit.location == LOCATION
        assert len(visits) == len(ratings) == 16
        for visit, given, emotion in zip(visits, ratings, emotions, strict=True):
            answers = (
                db.session.execute(
                    db.select(Answer)
                    .where(Answer.visit_id == visit.id)
                    .order_by(Answer.position)
                )
                .scalars()
                .all()
            )
            assert [a.rating for a in answers] == [Rating(r) for r in given], visit.name
            assert visit.emotion == emotion, visit.name
        db.session.remove()

    # The overall score is the share of expectations met.
    counted = [WEIGHTS[r] for r in flat if r in WEIGHTS]
    expected = round(sum(counted) / len(counted) * 100)
    scores = page.locator("section.scores")
    assert scores.get_by_role("heading", name="Expectations met").is_visible()
    assert scores.locator(".score-big .score").inner_text() == f"{expected} %"
    total = len(flat)
    assert page.locator(".progress__text").inner_text() == (
        f"{total} of {total} answered"
    )
    assert page.locator("ol.list li.is-done").count() == 16

    # Submit for review.
    _press(page, "Submit for review")
    assert page.url.split("#")[0] == overview
    assert page.locator(".page-head .status").inner_text() == "Submitted"
    assert page.get_by_role("button", name="Submit for review").count() == 0

    # The manager returns it with a comment (in a browser of their own).
    manager = _new_phone(page.context.browser)
    try:
        _sign_in(manager, base, logins["manager"])
        manager.goto(f"{base}/audits")
        waiting = manager.locator("section[aria-labelledby=review-title]")
        waiting.get_by_role("link", name=re.compile(JOURNEY)).tap()
        manager.wait_for_url(overview)
        assert _no_horizontal_scroll(manager)
        manager.get_by_label("What should the auditor fix?").fill(RETURN_COMMENT)
        _shot(manager, "06-review")
        _press(manager, "Return to the auditor")
        manager.locator(".page-head .status").filter(has_text="Returned").wait_for()

        # The auditor sees why, on the overview and on a touchpoint, and resubmits.
        page.reload()
        alert = page.locator(".alert").filter(has_text="Returned for changes:")
        assert RETURN_COMMENT in alert.inner_text()
        page.locator("ol.list li a.list__link").first.tap()
        page.wait_for_url(re.compile(r"/visits/\d+$"))
        assert RETURN_COMMENT in page.locator(".alert").inner_text()
        page.locator("nav.walk-nav a.back").tap()
        page.wait_for_url(overview)
        _shot(page, "07-returned")
        _press(page, "Submit for review")
        page.locator(".page-head .status").filter(has_text="Submitted").wait_for()

        # The manager approves.
        manager.reload()
        _press(manager, "Approve")
        manager.locator(".page-head .status").filter(has_text="Approved").wait_for()
        assert _status_history(manager) == [
            "In progress",
            "Submitted",
            "Returned",
            "Submitted",
            "Approved",
        ]
        history = manager.locator("ol.history li")
        assert RETURN_COMMENT in history.nth(2).inner_text()
        _shot(manager, "08-approved")
    finally:
        manager.context.close()

    page.reload()
    assert page.locator(".page-head .status").inner_text() == "Approved"
    assert _status_history(page) == [
        "In progress",
        "Submitted",
        "Returned",
        "Submitted",
        "Approved",
    ]
    assert page.get_by_role("button", name="Submit for review").count() == 0
    assert page.locator(".score-big .score").inner_text() == f"{expected} %"

    # The stored photo: one, upright, small, and without any metadata.
    with app.app_context():
        points = (
            db.session.execute(
                db.select(FrictionPoint).where(FrictionPoint.audit_id == audit.id)
            )
            .scalars()
            .all()
        )
        assert len(points) == 1
        assert points[0].severity == 3
        assert points[0].description == FRICTION_TEXT
        assert points[0].answer_id is not None
        photos = db.session.execute(db.select(Photo)).scalars().all()  # demo: none
        assert len(photos) == 1
        photo = photos[0]
        with photo_store().open(photo.key) as fh:
            data = fh.read()
        db.session.remove()
    assert b"GPS" not in data and b"PolkuTestCam" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        width, height = stored.size
        assert (width, height) == (photo.width, photo.height)
        assert height > width
        assert max(width, height) <= 1600
        assert abs(width / height - 3 / 4) < 0.01  # not squashed on the way
        assert not stored.getexif()
        rgb = stored.convert("RGB")
        top = rgb.getpixel((width // 2, height // 10))
        bottom = rgb.getpixel((width // 2, height * 9 // 10))
    assert top[2] > 200 and top[0] < 60, top  # blue band on top
    assert bottom[0] > 200 and bottom[2] < 60, bottom  # red below

    # Checked last so that the rest of the walk is verified too: "Save and continue"
    # must open the next touchpoint at its top, not scrolled down to its friction
    # points (where the expectations to answer are off screen).
    assert not scrolled_away, (
        "touchpoint screens opened scrolled down, past their expectations: "
        + "; ".join(scrolled_away)
    )
