from auditapp.core.tenancy import Role
from tests import factories
from tests.conftest import csrf_token, post_form, sign_in


def test_sign_in_lands_manager_on_journey_list(app, client):
    org = factories.make_org()
    user = factories.make_user(org, Role.MANAGER)

    response = sign_in(client, user.email)

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/journeys"


def test_sign_in_with_wrong_password_says_the_same_as_unknown_email(app, client):
    org = factories.make_org()
    user = factories.make_user(org)

    wrong = sign_in(client, user.email, "not the password at all")
    unknown = sign_in(client, "nobody@example.com", "not the password at all")

    assert wrong.status_code == unknown.status_code == 422
    message = "The e-mail address or password is wrong."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_sign_in_form_keeps_the_typed_email_after_a_failure(app, client):
    org = factories.make_org()
    factories.make_user(org, email="maija@example.com")

    response = sign_in(client, "maija@example.com", "wrong password here")

    assert 'value="maija@example.com"' in response.get_data(as_text=True)


def test_repeated_failures_are_throttled_then_released(app, client, db):
    org = factories.make_org()
    user = factories.make_user(org)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        sign_in(client, user.email, "wrong password here")

    blocked = sign_in(client, user.email)  # even the right password waits

    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    from auditapp.auth.models import LoginThrottle

    for row in db.session.query(LoginThrottle).all():
        row.blocked_until = None
    db.session.commit()
    assert sign_in(client, user.email).status_code == 303


def test_sign_out_makes_the_old_cookie_worthless(app, client):
    org = factories.make_org()
    user = factories.make_user(org)
    sign_in(client, user.email)
    cookie = client.get_cookie("polku_session").value

    post_form(client, "/logout")
    client.set_cookie("polku_session", cookie)
    replay = client.get("/journeys")

    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")


def test_session_cookie_changes_at_sign_in(app, client):
    org = factories.make_org()
    user = factories.make_user(org)
    client.get("/login")
    before = client.get_cookie("polku_session").value

    sign_in(client, user.email)

    assert client.get_cookie("polku_session").value != before


def test_disabled_member_is_signed_out_at_once(app, client, login_as):
    org = factories.make_org()
    admin = factories.make_user(org, Role.ADMIN)
    manager = factories.make_user(org, Role.MANAGER)
    other = app.test_client()
    sign_in(other, manager.email)
    assert other.get("/journeys").status_code == 200
    login_as(admin)
    from auditapp.auth.models import Membership

    membership = Membership.query.filter_by(user_id=manager.id).one()

    post_form(client, f"/admin/members/{membership.id}/disable", page="/admin/members")

    assert other.get("/journeys").status_code == 302
    assert sign_in(other, manager.email).status_code == 422


def test_role_change_applies_on_the_next_request(app, client, login_as):
    org = factories.make_org()
    admin = factories.make_user(org, Role.ADMIN)
    manager = factories.make_user(org, Role.MANAGER)
    other = app.test_client()
    sign_in(other, manager.email)
    from auditapp.auth.models import Membership

    membership = Membership.query.filter_by(user_id=manager.id).one()
    login_as(admin)

    post_form(
        client,
        f"/admin/members/{membership.id}/role",
        {"role": "auditor"},
        page="/admin/members",
    )

    assert other.get("/journeys").status_code == 403


def test_next_parameter_cannot_redirect_off_site(app, client):
    org = factories.make_org()
    user = factories.make_user(org)
    token = csrf_token(client)

    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": factories.PASSWORD,
            "next": "//evil.example/",
            "csrf_token": token,
        },
    )

    assert response.headers["Location"] == "/"
