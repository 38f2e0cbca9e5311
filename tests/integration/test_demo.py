import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auditapp.auth.models import Membership, Organisation
from auditapp.journeys.models import Journey, Persona
from auditapp.journeys.services import load_journey
from tests.conftest import sign_in

DEMO = Path(__file__).parents[2] / "auditapp" / "demo"


def _logins(app):
    path = Path(app.instance_path) / "demo-logins.txt"
    return {line.split()[0]: line.split()[1:] for line in path.read_text().splitlines()}


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_seed_demo_loads_one_org_three_roles_three_journeys(app, db, runner, lang):
    result = runner.invoke(args=["seed-demo", "--lang", lang])

    assert result.exit_code == 0, result.output
    assert db.session.execute(select(func.count(Organisation.id))).scalar_one() == 1
    roles = db.session.execute(select(Membership.role)).scalars().all()
    assert sorted(r.value for r in roles) == ["admin", "auditor", "manager"]
    journeys = db.session.execute(select(Journey)).scalars().all()
    expected = json.loads((DEMO / f"{lang}.json").read_text())
    assert sorted(j.name for j in journeys) == sorted(
        j["journey"]["name"] for j in expected["journeys"]
    )
    assert db.session.execute(select(func.count(Persona.id))).scalar_one() == 2
    for journey in journeys:
        loaded = load_journey(journey.org_id, journey.id)
        touchpoints = [tp for stage in loaded.stages for tp in stage.touchpoints]
        assert len({tp.channel for tp in touchpoints}) >= 3, journey.name
        assert all(3 <= len(tp.expectations) <= 5 for tp in touchpoints)


def test_demo_logins_work_and_are_not_a_known_default(app, runner, client):
    runner.invoke(args=["seed-demo"])

    logins = _logins(app)

    assert set(logins) == {"admin", "manager", "auditor"}
    email, password = logins["manager"]
    assert sign_in(client, email, password).status_code == 303
    assert client.get("/journeys").status_code == 200
    assert "Ryhmämatka" in client.get("/journeys").get_data(as_text=True)


def test_seed_demo_if_empty_leaves_existing_data_alone(app, db, runner):
    runner.invoke(args=["seed-demo"])

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    twice = runner.invoke(args=["seed-demo"])

    assert again.exit_code == 0 and "already has data" in again.output
    assert twice.exit_code != 0 and "already loaded" in twice.output
    assert db.session.execute(select(func.count(Organisation.id))).scalar_one() == 1


def test_create_admin_refuses_a_weak_password(app, runner):
    result = runner.invoke(
        args=["create-admin", "--org", "Acme", "--email", "a@example.com"],
        input="salasana\nsalasana\n",
    )

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
