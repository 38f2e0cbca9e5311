from sqlalchemy import select

from auditapp.auth.models import User
from tests import factories
from tests.conftest import csrf_token


def test_language_follows_the_browser_when_not_chosen(client):
    fi = client.get("/login", headers={"Accept-Language": "fi-FI,fi;q=0.9"})
    en = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})

    assert '<html lang="fi">' in fi.get_data(as_text=True)
    assert '<html lang="en">' in en.get_data(as_text=True)


def test_switching_language_is_remembered_for_the_user(app, client, db, login_as):
    org = factories.make_org()
    user = factories.make_user(org, locale=None)
    login_as(user)
    token = csrf_token(client, "/journeys")

    client.post(
        "/language", data={"locale": "fi", "next": "/journeys", "csrf_token": token}
    )

    db.session.expire_all()
    assert (
        db.session.execute(select(User.locale).where(User.id == user.id)).scalar_one()
        == "fi"
    )
    other_browser = app.test_client()
    from tests.conftest import sign_in

    sign_in(other_browser, user.email)
    page = other_browser.get("/journeys", headers={"Accept-Language": "en"})
    assert '<html lang="fi">' in page.get_data(as_text=True)


def test_dates_follow_the_finnish_format(app, client, db, login_as):
    org = factories.make_org()
    admin = factories.make_user(org, role=factories.Role.ADMIN, locale="fi")
    login_as(admin)
    from datetime import UTC, datetime

    from auditapp.auth import services

    invitation, _ = services.invite(
        org.id,
        email="new@example.com",
        role=factories.Role.AUDITOR,
        invited_by=admin,
        lifetime=app.config["INVITE_LIFETIME"],
    )
    invitation.expires_at = datetime(2026, 12, 24, 12, tzinfo=UTC)
    db.session.commit()

    page = client.get("/admin/members").get_data(as_text=True)

    assert "24.12.2026" in page
