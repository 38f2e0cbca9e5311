import io
import re
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import event, func, select

from auditapp.audits import services as audits
from auditapp.audits.models import Answer, Audit, AuditStatus, TouchpointVisit
from auditapp.core.tenancy import Role
from auditapp.findings.models import FrictionPoint, Photo
from auditapp.journeys.services import load_journey
from tests import factories
from tests.conftest import csrf_token, post_form


@pytest.fixture
def visit_page(app, db, client, login_as):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    journey = factories.make_journey(org, touchpoints=1, expectations=2)
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    db.session.commit()
    visit = audits.load_audit(org.id, audit.id).visits[0]
    login_as(auditor)
    url = f"/visits/{visit.id}"
    names = re.findall(r'name="(answer_\d+)"', client.get(url).get_data(as_text=True))
    return url, sorted(set(names)), visit


def _post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_over_long_notes_are_refused_and_the_other_answers_come_back(
    client, db, visit_page
):
    url, (first, second), _visit = visit_page

    response = _post(
        client,
        url,
        {first: "met", second: "not_met", "emotion": "-1", "happened": "x" * 10_001},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use at most 10000 characters." in page
    assert re.search(rf'checked id="{first}-1"', page)  # "met" is the 2nd choice
    assert re.search(rf'checked id="{second}-3"', page)
    assert (
        db.session.execute(
            select(func.count()).where(Answer.rating.is_not(None))
        ).scalar_one()
        == 0
    )


@pytest.mark.parametrize(
    "field,value",
    [
        ("rating", "excellent"),
        ("emotion", "5"),
        ("emotion", "abc"),
        ("response_minutes", "1e309"),
        ("response_seconds", "-1"),
        ("happened", "bad\x00byte"),
    ],
)
def test_hostile_values_get_422_and_nothing_is_stored(
    client, db, visit_page, field, value
):
    url, (first, _second), _visit = visit_page
    data = {first: "met", field: value}
    if field == "rating":
        data = {first: value}

    response = _post(client, url, data)

    assert response.status_code == 422
    assert (
        db.session.execute(
            select(func.count()).where(Answer.rating.is_not(None))
        ).scalar_one()
        == 0
    )


def test_text_route_refuses_a_huge_body(client, visit_page):
    url, (first, _second), _visit = visit_page

    response = _post(client, url, {first: "met", "happened": "x" * 3_000_000})

    assert response.status_code == 413


def test_extra_fields_cannot_set_status_or_owner(app, db, client, login_as):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    other = factories.make_user(org, Role.AUDITOR)
    journey = factories.make_journey(org)

    login_as(auditor)
    post_form(
        client,
        "/audits/new",
        {
            "journey": str(journey.id),
            "persona": "0",
            "audit_date": "2026-11-23",
            "status": "approved",
            "auditor_id": str(other.id),
            "org_id": "999",
            "journey_version": "42",
        },
        page="/audits/new",
    )

    audit = db.session.execute(select(Audit)).scalar_one()
    assert (audit.status, audit.auditor_id, audit.org_id) == (
        AuditStatus.IN_PROGRESS,
        auditor.id,
        org.id,
    )
    assert audit.journey_version == journey.version


def test_user_text_is_shown_literally_never_run(client, db, visit_page):
    url, (first, _second), visit = visit_page
    payload = '<script>window.__xss=1</script>"><img src=x onerror=alert(1)>{{7*7}}'
    _post(client, url, {first: "not_met", "happened": payload})
    path = f"/visits/{visit.id}/friction/new"
    client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "title": payload[:200],
            "severity": "2",
            "description": payload,
        },
    )

    page = client.get(url).get_data(as_text=True)

    assert "<script>window.__xss" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert "{{7*7}}" in page and ">49<" not in page


def test_hostile_photo_filename_is_only_display_text(app, db, client, visit_page):
    _url, _names, visit = visit_page
    path = f"/visits/{visit.id}/friction/new"
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(image, "JPEG")
    image.seek(0)

    client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "title": "t",
            "severity": "1",
            "photo_files": [(image, "../../app.py\u202egpj.html")],
        },
        content_type="multipart/form-data",
    )

    photo = db.session.execute(select(Photo)).scalar_one()
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}\.jpg", photo.key)
    assert photo.original_filename == "../../app.pygpj.html"
    served = client.get(f"/photos/{photo.id}/display")
    assert served.headers["Content-Disposition"] == (
        f'inline; filename="photo-{photo.id}.jpg"'
    )


def test_friction_point_for_an_expectation_of_another_touchpoint_is_unlinked(
    app, db, client, login_as
):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    journey = factories.make_journey(org, touchpoints=2)
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    db.session.commit()
    first, second = audits.load_audit(org.id, audit.id).visits
    foreign_answer = second.answers[0].id
    login_as(auditor)
    path = f"/visits/{first.id}/friction/new"

    client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "title": "t",
            "severity": "2",
            "answer": str(foreign_answer),
        },
    )

    point = db.session.execute(select(FrictionPoint)).scalar_one()
    assert (point.visit_id, point.answer_id) == (first.id, None)
    assert db.session.execute(select(func.count(TouchpointVisit.id))).scalar_one() == 2


def test_two_saves_of_a_friction_point_crossing_get_409_not_a_500(
    app, client, db, visit_page
):
    _url, _names, visit = visit_page
    path = f"/visits/{visit.id}/friction/new"
    data = {"title": "Jono kassalla", "severity": "2", "description": "Yksi kassa"}
    client.post(path, data={"csrf_token": csrf_token(client, path), **data})
    point = db.session.execute(select(FrictionPoint)).scalar_one()
    edit = f"/friction/{point.id}"
    token = csrf_token(client, edit)

    def another_save_lands_first(_mapper, connection, target):
        # Between this request's read and its write, another device saves.
        connection.execute(
            FrictionPoint.__table__.update()
            .where(FrictionPoint.__table__.c.id == target.id)
            .values(title="Toisen laitteen otsikko", version=99)
        )

    event.listen(FrictionPoint, "before_update", another_save_lands_first)
    try:
        response = client.post(
            edit, data={"csrf_token": token, **data, "title": "Minun otsikkoni"}
        )
    finally:
        event.remove(FrictionPoint, "before_update", another_save_lands_first)

    assert response.status_code == 409
    assert "Someone changed this at the same moment" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FrictionPoint, point.id).title != "Minun otsikkoni"
