"""Another organisation's objects answer 404 on every route, and nothing changes.

The sweep is generated from `app.url_map`, so a new route cannot ship without a row
here: every URL argument must be in the table below, and every route without one must
be in the allowlist.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.routing import Map, Rule
from werkzeug.routing.converters import AnyConverter

from auditapp.audits import services as audits
from auditapp.auth import services as auth
from auditapp.auth.models import Membership
from auditapp.core.images import normalise_photo
from auditapp.core.tenancy import Role
from auditapp.development import services as development
from auditapp.extensions import db
from auditapp.findings import services as findings
from auditapp.findings.models import Severity
from auditapp.journeys import services as journeys
from tests import factories
from tests.conftest import csrf_token, sign_in

#: URL argument → the kind of org-A object whose id fills it.
ID_ARGS = {
    "journey_id": "journey",
    "stage_id": "stage",
    "touchpoint_id": "touchpoint",
    "expectation_id": "expectation",
    "persona_id": "persona",
    "membership_id": "membership",
    "invitation_id": "invitation",
    "audit_id": "audit",
    "visit_id": "visit",
    "point_id": "friction_point",
    "photo_id": "photo",
    "dev_item_id": "development_item",
    "audit_uuid": "audit_uuid",
}
#: `<kind>/<item_id>` routes: each kind names the object whose id fills item_id.
ITEM_KINDS = {
    "stages": "stage",
    "touchpoints": "touchpoint",
    "expectations": "expectation",
}
#: Arguments filled with every value of their `any(...)` converter.
CHOICE_ARGS = {"action", "kind", "variant", "fmt"}

#: Routes with no object id: covered by the role tests, not by this sweep.
NO_ID_ROUTES = {
    "auth.login",
    "auth.logout",
    "auth.home",
    "auth.set_language",
    # The token is the secret that grants access, not an enumerable id; a wrong or
    # used token is tested in the invitation tests.
    "auth.accept_invitation",
    "admin.members",
    "admin.invite",
    "journeys.index",
    "journeys.create",
    "journeys.import_",
    "personas.index",
    "personas.create",
    "audits.index",
    "audits.start",
    "development.index",
    "development.inbox",
    "development.export",
    "reports.development_pdf",
    "reports.development_preview",
    # The journey comes as ?journey=: tested in tests/integration/reports.
    "reports.journey_map_pdf",
    "reports.journey_map_preview",
    # The journey comes as ?journey=: another org's id answers 404, tested in
    # tests/integration/development/test_dashboard.py.
    "development.dashboard",
    "pwa.service_worker",
    "pwa.manifest",
    "pwa.offline",
    "pwa.csrf_token",
    "pwa.offline_walk",
    # Lists of the member's own organisation (queries filter by current_org_id).
    "audits_api.journeys",
    "audits_api.my_audits",
    "findings_api.openapi",
    # Sync writes name their records by client UUIDs in the JSON body, looked up in
    # the signed-in member's organisation only; tests/integration/sync covers a
    # foreign org's UUIDs there.
    "audits_api.create_audit",
    "audits_api.save_visit",
    "audits_api.submit",
    "findings_api.create_friction_point",
    "findings_api.upload_photo",
    "findings_api.edit_friction_point",
    "findings_api.delete_friction_point",
}

#: Form fields every POST route could want, so a 404 is not a 400/422 in disguise.
PLAUSIBLE_FORM = {
    "name": "x",
    "text": "x",
    "description": "x",
    "customer_need": "x",
    "goal": "x",
    "values": "x",
    "why_buy": "x",
    "role": "admin",
    "direction": "up",
    "channel": "web",
    "criticality": "2",
    "email": "someone@example.com",
    "locale": "en",
}

#: Tables that legitimately change when someone signs in or is refused.
VOLATILE_TABLES = {"auth_session", "login_throttle"}

#: An id that no row has.
MISSING_ID = 987_654

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


class UnknownArgumentError(LookupError):
    """A route has a URL argument this module has no row for."""


@dataclass(frozen=True)
class OrgA:
    """The org-A data the sweeps aim at, as plain values."""

    org_id: int
    admin_email: str
    manager_email: str
    auditor_email: str
    ids: dict[str, int | str]
    invite_token: str


def build_org_a() -> OrgA:
    """Create org A with members, a journey, a persona and an open invitation."""
    org = factories.make_org("Org A")
    admin = factories.make_user(org, Role.ADMIN)
    manager = factories.make_user(org, Role.MANAGER)
    auditor = factories.make_user(org, Role.AUDITOR)
    journey = factories.make_journey(org, touchpoints=2, expectations=2)
    loaded = journeys.load_journey(org.id, journey.id)
    stage = loaded.stages[0]
    touchpoint = stage.touchpoints[0]
    persona = journeys.save_persona(
        org.id, data=journeys.PersonaData(name="Budget-minded Bea", goal="Save")
    )
    invitation, token = auth.invite(
        org.id,
        email="newcomer@example.com",
        role=Role.AUDITOR,
        invited_by=admin,
        lifetime=timedelta(days=7),
    )
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == auditor.id)
    ).scalar_one()
    audit = audits.start_audit(loaded, auditor=auditor, audit_date=date.today())
    visit = audits.load_audit(org.id, audit.id).visits[0]
    point = findings.log_friction_point(
        visit,
        audit,
        author=auditor,
        title="Queue",
        description="",
        severity=Severity.SERIOUS,
    )
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "JPEG")
    image.seek(0)
    photo = findings.attach_photo(
        point,
        audit,
        photo=normalise_photo(image),
        uploader=auditor,
        filename="a.jpg",
        store=findings.photo_store(),
    )
    item = development.create_item(point, visit, audit, actor=manager)
    # Read everything before the commit expires the loaded objects.
    ids = {
        "journey": journey.id,
        "stage": stage.id,
        "touchpoint": touchpoint.id,
        "expectation": touchpoint.expectations[0].id,
        "persona": persona.id,
        "membership": membership.id,
        "invitation": invitation.id,
        "audit": audit.id,
        "visit": visit.id,
        "friction_point": point.id,
        "photo": photo.id,
        "development_item": item.id,
        "audit_uuid": str(audit.client_uuid),
    }
    emails = admin.email, manager.email, auditor.email
    org_id = org.id
    db.session.commit()
    return OrgA(
        org_id=org_id,
        admin_email=emails[0],
        manager_email=emails[1],
        auditor_email=emails[2],
        ids=ids,
        invite_token=token,
    )


def _choices(rule, name: str) -> list[str]:
    converter = rule._converters.get(name)
    if name not in CHOICE_ARGS or not isinstance(converter, AnyConverter):
        raise UnknownArgumentError(f"{rule.rule}: no row for argument <{name}>")
    return sorted(converter.items)


def _id_for(rule, name: str, values: dict, ids: dict[str, int]) -> int:
    if name == "item_id":
        kind = values.get("kind")
        if kind not in ITEM_KINDS:
            raise UnknownArgumentError(f"{rule.rule}: no row for kind {kind!r}")
        return ids[ITEM_KINDS[kind]]
    if name not in ID_ARGS:
        raise UnknownArgumentError(f"{rule.rule}: no row for argument <{name}>")
    return ids[ID_ARGS[name]]


def id_arguments(rule) -> set[str]:
    """Return the rule's arguments that carry an object id."""
    return {name for name in rule.arguments if name not in CHOICE_ARGS}


def fill_rule(rule, ids: dict[str, int]) -> list[dict]:
    """Return every set of URL values for a rule, ids taken from `ids`.

    Raises UnknownArgumentError for an argument the tables above do not know.
    """
    choice_names = sorted(rule.arguments & CHOICE_ARGS)
    unknown = sorted(rule.arguments - set(ID_ARGS) - {"item_id"} - CHOICE_ARGS)
    if unknown:
        raise UnknownArgumentError(f"{rule.rule}: no row for argument <{unknown[0]}>")
    options = [_choices(rule, name) for name in choice_names]
    variants = []
    for combo in itertools.product(*options):
        values = dict(zip(choice_names, combo, strict=True))
        for name in sorted(id_arguments(rule)):
            values[name] = _id_for(rule, name, values, ids)
        variants.append(values)
    return variants


def build_path(rule, values: dict) -> str:
    """Return the path of a rule for these URL values."""
    return rule.build(values)[1]


def with_missing_ids(rule, values: dict) -> dict:
    """Return the same URL values with every id replaced by one no row has."""
    return {
        name: MISSING_ID if name in id_arguments(rule) else value
        for name, value in values.items()
    }


def request_methods(rule) -> list[str]:
    """Return the methods a sweep sends (HEAD and OPTIONS are Werkzeug's own)."""
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def routes(app):
    """Return the app's rules, the static route left out."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def snapshot() -> dict[str, list[tuple]]:
    """Return every row of every table, apart from the sign-in bookkeeping."""
    db.session.remove()  # a fresh transaction sees the other sessions' commits
    with db.engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(row) for row in connection.execute(select(table))), key=repr
            )
            for table in db.metadata.sorted_tables
            if table.name not in VOLATILE_TABLES
        }


def changed_tables(before: dict, after: dict) -> list[str]:
    """Return the names of the tables whose rows differ between two snapshots."""
    return sorted(
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    )


def send(client, method: str, path: str, token: str | None):
    """Send one sweep request; a POST carries the plausible form and the token."""
    if method == "GET":
        return client.get(path)
    data = dict(PLAUSIBLE_FORM)
    if token is not None:
        data["csrf_token"] = token
    return client.post(path, data=data)


def normalised_body(response, path: str) -> str:
    """Return the body with the echoed path and the (timestamped) CSRF token masked."""
    body = response.get_data(as_text=True).replace(path, "<path>")
    return _CSRF_VALUE.sub(r"\1<token>\2", body)


def _sign_in_org_b_admin(client):
    org_b = factories.make_org("Org B")
    admin_b = factories.make_user(org_b, Role.ADMIN)
    assert sign_in(client, admin_b.email).status_code == 303
    return org_b.id


def _sweep_targets(app, ids):
    targets, unreviewed = [], []
    for rule in routes(app):
        if rule.endpoint in NO_ID_ROUTES:
            continue
        if not id_arguments(rule):
            unreviewed.append(f"{rule.rule} ({rule.endpoint}) has no id: allowlist it")
            continue
        try:
            variants = fill_rule(rule, ids)
        except UnknownArgumentError as error:
            unreviewed.append(str(error))
            continue
        targets.extend((rule, values) for values in variants)
    return targets, unreviewed


def test_every_route_is_in_the_sweep_or_the_allowlist(app):
    ids = {kind: 1 for kind in set(ID_ARGS.values()) | set(ITEM_KINDS.values())}

    targets, unreviewed = _sweep_targets(app, ids)

    endpoints = {rule.endpoint for rule in routes(app)}
    assert unreviewed == [], "\n".join(unreviewed)
    assert sorted(NO_ID_ROUTES - endpoints) == [], "allowlisted routes that are gone"
    assert targets, "the sweep found no routes with ids"


def test_fill_rule_refuses_an_argument_it_does_not_know():
    rule = Rule("/reports/<int:report_id>/pages/<int:page_id>", endpoint="x")
    Map([rule])

    with pytest.raises(UnknownArgumentError, match="<page_id>"):
        fill_rule(rule, {"journey": 1})


def test_other_orgs_admin_gets_404_everywhere_and_changes_nothing(app, client):
    org_a = build_org_a()
    _sign_in_org_b_admin(client)
    token = csrf_token(client, "/journeys")
    targets, unreviewed = _sweep_targets(app, org_a.ids)
    assert unreviewed == []
    before = snapshot()

    wrong = []
    for rule, values in targets:
        path = build_path(rule, values)
        for method in request_methods(rule):
            status = send(client, method, path, token).status_code
            if status != 404:
                wrong.append(f"{method} {path} ({rule.endpoint}) -> {status}")

    assert wrong == [], "\n".join(wrong)
    assert changed_tables(before, snapshot()) == []
    assert len(targets) >= 20  # the sweep really ran over the id routes


def test_foreign_id_answers_exactly_like_a_missing_id(app, client):
    org_a = build_org_a()
    _sign_in_org_b_admin(client)
    token = csrf_token(client, "/journeys")
    targets, _ = _sweep_targets(app, org_a.ids)

    different = []
    for rule, values in targets:
        foreign_path = build_path(rule, values)
        missing_path = build_path(rule, with_missing_ids(rule, values))
        for method in request_methods(rule):
            foreign = send(client, method, foreign_path, token)
            missing = send(client, method, missing_path, token)
            same = (foreign.status_code, normalised_body(foreign, foreign_path)) == (
                missing.status_code,
                normalised_body(missing, missing_path),
            )
            if not same:
                different.append(
                    f"{method} {foreign_path}: {foreign.status_code} vs "
                    f"{missing_path}: {missing.status_code}"
                )

    assert different == [], "\n".join(different)
