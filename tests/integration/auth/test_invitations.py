import re

from sqlalchemy import select

from auditapp.auth.models import Membership, User
from auditapp.core.tenancy import Role
from tests import factories
from tests.conftest import csrf_token, post_form


def _invite(client, email, role="auditor"):
    response = post_form(
        client,
        "/admin/invitations",
        {"email": email, "role": role},
        page="/admin/members",
    )
    match = re.search(
        r'value="(http://localhost/invite/[^"]+)"', response.get_data(as_text=True)
    )
    return response, match and match.group(1).replace("http://localhost", "")


def test_admin_invites_and_the_link_works_exactly_once(app, client, db, login_as):
    org = factories.make_org()
    login_as(factories.make_user(org, Role.ADMIN))
    response, link = _invite(client, "Uusi.Auditoija@Example.com")
    assert response.status_code == 201 and link
    newcomer = app.test_client()
    token = csrf_token(newcomer, link)

    joined = newcomer.post(
        link,
        data={
            "csrf_token": token,
            "name": "Uusi Auditoija",
            "password": "kolme pientä sanaa",
            "confirm": "kolme pientä sanaa",
        },
    )
    again = app.test_client().get(link)

    assert joined.status_code == 303
    assert newcomer.get("/").headers["Location"] == "/audits"  # signed in
    assert again.status_code == 404
    user = db.session.execute(
        select(User).where(User.email == "uusi.auditoija@example.com")
    ).scalar_one()
    assert user.password_hash.startswith("scrypt:")
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == user.id)
    ).scalar_one()
    assert (membership.org_id, membership.role) == (org.id, Role.AUDITOR)


def test_weak_password_on_joining_is_refused_and_the_name_is_kept(
    app, client, login_as
):
    org = factories.make_org()
    login_as(factories.make_user(org, Role.ADMIN))
    _, link = _invite(client, "new@example.com")
    newcomer = app.test_client()
    token = csrf_token(newcomer, link)

    response = newcomer.post(
        link,
        data={
            "csrf_token": token,
            "name": "Matti",
            "password": "password123",
            "confirm": "password123",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This password is too easy to guess." in page
    assert 'value="Matti"' in page
    assert newcomer.get(link).status_code == 200  # still usable


def test_inviting_an_existing_member_says_so(app, client, login_as):
    org = factories.make_org()
    login_as(factories.make_user(org, Role.ADMIN))
    factories.make_user(org, email="taken@example.com")

    response, link = _invite(client, "taken@example.com")

    assert response.status_code == 409
    assert "This person is already a member." in response.get_data(as_text=True)
    assert link is None


def test_withdrawn_invitation_link_stops_working(app, client, db, login_as):
    org = factories.make_org()
    login_as(factories.make_user(org, Role.ADMIN))
    _, link = _invite(client, "later@example.com")
    from auditapp.auth.models import Invitation

    invitation = db.session.execute(select(Invitation)).scalar_one()

    post_form(
        client, f"/admin/invitations/{invitation.id}/revoke", page="/admin/members"
    )

    assert app.test_client().get(link).status_code == 404


def test_last_admin_cannot_be_demoted_or_disabled(app, client, db, login_as):
    org = factories.make_org()
    admin = factories.make_user(org, Role.ADMIN)
    login_as(admin)
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == admin.id)
    ).scalar_one()

    post_form(
        client,
        f"/admin/members/{membership.id}/role",
        {"role": "manager"},
        page="/admin/members",
    )

    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == Role.ADMIN
