"""CSRF on every POST route, role checks per blueprint, and mass assignment.

Routes come from `app.url_map`; URL values come from the same table as the tenant
isolation sweep, filled from the signed-in user's own organisation so that only the
check under test can stop the request.
"""

from __future__ import annotations

from sqlalchemy import func, select

from auditapp.auth.models import Invitation, Membership, User
from auditapp.core.tenancy import Role
from auditapp.extensions import db
from auditapp.journeys.models import Journey
from tests import factories
from tests.conftest import csrf_token, post_form, sign_in
from tests.integration.test_tenant_isolation import (
    PLAUSIBLE_FORM,
    build_org_a,
    build_path,
    changed_tables,
    fill_rule,
    routes,
    snapshot,
)

CSRF_MESSAGE = "The form had expired or came from elsewhere. Please try again."

#: GET routes anyone may open without signing in.
PUBLIC_GET = {
    "auth.login",
    "auth.accept_invitation",
    "pwa.service_worker",
    "pwa.manifest",
    "pwa.offline",
    "findings_api.openapi",
    # The offline walker is a shell with no one's data; audits live on the device.
    "pwa.offline_walk",
}


def _url_values(rule, org_a) -> list[dict]:
    if rule.endpoint == "auth.accept_invitation":
        return [{"token": org_a.invite_token}]
    return fill_rule(rule, org_a.ids)


def _paths(app, org_a, *, method: str, blueprints: set[str] | None = None):
    """Yield (endpoint, path) for every rule with `method`, optionally by blueprint."""
    for rule in routes(app):
        if method not in rule.methods:
            continue
        if blueprints is not None and rule.endpoint.split(".")[0] not in blueprints:
            continue
        for values in _url_values(rule, org_a):
            yield rule.endpoint, build_path(rule, values)


def _signed_in(client, email: str):
    assert sign_in(client, email).status_code == 303
    return client


# --- CSRF -------------------------------------------------------------------------


def test_every_post_route_refuses_a_request_without_csrf_token(app, client):
    org_a = build_org_a()
    _signed_in(client, org_a.admin_email)

    failures = []
    for endpoint, path in _paths(app, org_a, method="POST"):
        before = snapshot()
        response = client.post(path, data=PLAUSIBLE_FORM)
        body = response.get_data(as_text=True)
        if response.status_code != 400 or CSRF_MESSAGE not in body:
            failures.append(f"POST {path} ({endpoint}) -> {response.status_code}")
        if changed_tables(before, snapshot()):
            failures.append(f"POST {path} ({endpoint}) changed rows without a token")

    assert failures == [], "\n".join(failures)


def test_every_post_route_refuses_a_token_from_another_session(app, client):
    org_a = build_org_a()
    stranger = app.test_client()
    foreign_token = csrf_token(stranger, "/login")
    _signed_in(client, org_a.admin_email)

    failures = []
    for endpoint, path in _paths(app, org_a, method="POST"):
        before = snapshot()
        response = client.post(
            path, data={**PLAUSIBLE_FORM, "csrf_token": foreign_token}
        )
        if response.status_code != 400:
            failures.append(f"POST {path} ({endpoint}) -> {response.status_code}")
        if changed_tables(before, snapshot()):
            failures.append(f"POST {path} ({endpoint}) changed rows with a stray token")

    assert failures == [], "\n".join(failures)


# --- roles ------------------------------------------------------------------------


def test_auditor_gets_403_on_designer_and_admin_pages(app, client):
    org_a = build_org_a()
    _signed_in(client, org_a.auditor_email)

    wrong = [
        f"GET {path} ({endpoint}) -> {status}"
        for endpoint, path in _paths(
            app, org_a, method="GET", blueprints={"journeys", "personas", "admin"}
        )
        if (status := client.get(path).status_code) != 403
    ]

    assert wrong == [], "\n".join(wrong)


def test_manager_gets_403_on_every_admin_route_and_changes_nothing(app, client):
    org_a = build_org_a()
    _signed_in(client, org_a.manager_email)
    token = csrf_token(client, "/journeys")
    before = snapshot()

    wrong = []
    for method in ("GET", "POST"):
        for endpoint, path in _paths(app, org_a, method=method, blueprints={"admin"}):
            data = {**PLAUSIBLE_FORM, "csrf_token": token}
            response = client.open(path, method=method, data=data)
            if response.status_code != 403:
                wrong.append(f"{method} {path} ({endpoint}) -> {response.status_code}")

    assert wrong == [], "\n".join(wrong)
    assert changed_tables(before, snapshot()) == []


def test_manager_can_open_every_designer_page(app, client):
    org_a = build_org_a()
    _signed_in(client, org_a.manager_email)

    wrong = [
        f"GET {path} ({endpoint}) -> {status}"
        for endpoint, path in _paths(
            app, org_a, method="GET", blueprints={"journeys", "personas"}
        )
        if (status := client.get(path).status_code) != 200
    ]

    assert wrong == [], "\n".join(wrong)


def test_anonymous_user_is_sent_to_login_from_every_private_page(app, client):
    org_a = build_org_a()

    wrong = []
    for endpoint, path in _paths(app, org_a, method="GET"):
        if endpoint in PUBLIC_GET or endpoint == "static":
            continue
        response = client.get(path)
        location = response.headers.get("Location", "")
        if path.startswith("/api/"):
            # The JSON API never redirects: a device must see the login is gone.
            if (response.status_code, response.is_json) != (401, True):
                wrong.append(f"GET {path} ({endpoint}) -> {response.status_code}")
        elif response.status_code != 302 or not location.startswith("/login"):
            wrong.append(
                f"GET {path} ({endpoint}) -> {response.status_code} {location}"
            )

    assert wrong == [], "\n".join(wrong)


def test_public_pages_need_no_sign_in(app, client):
    org_a = build_org_a()

    statuses = {}
    for endpoint, path in _paths(app, org_a, method="GET"):
        if endpoint in PUBLIC_GET:
            # Close it: /sw.js streams a file, which would otherwise stay open.
            with client.get(path) as response:
                statuses[endpoint] = response.status_code

    assert statuses == dict.fromkeys(sorted(PUBLIC_GET), 200)


# --- mass assignment ----------------------------------------------------------------


def test_journey_form_ignores_org_id_version_and_id_fields(app, client):
    org_a = build_org_a()
    org_b = factories.make_org("Org B")
    org_b_id = org_b.id
    _signed_in(client, org_a.manager_email)

    response = post_form(
        client,
        "/journeys/new",
        {
            "name": "Injected",
            "description": "",
            "org_id": str(org_b_id),
            "version": "99",
            "id": "12345",
        },
    )

    assert response.status_code == 303
    journey = db.session.execute(
        select(Journey).where(Journey.name == "Injected")
    ).scalar_one()
    assert (journey.org_id, journey.version) == (org_a.org_id, 1)
    assert journey.id != 12345
    assert response.headers["Location"] == f"/journeys/{journey.id}"
    org_b_journeys = db.session.execute(
        select(func.count(Journey.id)).where(Journey.org_id == org_b_id)
    ).scalar_one()
    assert org_b_journeys == 0


def test_invite_form_ignores_org_id_field(app, client):
    org_a = build_org_a()
    org_b_id = factories.make_org("Org B").id
    _signed_in(client, org_a.admin_email)

    response = post_form(
        client,
        "/admin/invitations",
        {"email": "planted@example.com", "role": "auditor", "org_id": str(org_b_id)},
        page="/admin/members",
    )

    assert response.status_code == 201
    invitations = db.session.execute(
        select(Invitation.org_id, Invitation.role).where(
            Invitation.email == "planted@example.com"
        )
    ).all()
    assert [tuple(row) for row in invitations] == [(org_a.org_id, Role.AUDITOR)]


def test_accepting_an_invitation_gives_the_invited_role_not_a_posted_one(app, client):
    org_a = build_org_a()
    org_b_id = factories.make_org("Org B").id
    link = f"/invite/{org_a.invite_token}"
    token = csrf_token(client, link)

    response = client.post(
        link,
        data={
            "csrf_token": token,
            "name": "New Person",
            "password": factories.PASSWORD,
            "confirm": factories.PASSWORD,
            "role": "admin",
            "org_id": str(org_b_id),
        },
    )

    assert response.status_code == 303
    memberships = db.session.execute(
        select(Membership.org_id, Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(User.email == "newcomer@example.com")
    ).all()
    assert [tuple(row) for row in memberships] == [(org_a.org_id, Role.AUDITOR)]
