import json

import pytest
from sqlalchemy import func, select

from auditapp.journeys import services, transfer
from auditapp.journeys.models import Expectation, Journey, Touchpoint
from tests import factories


def _export(org_id, journey_id):
    return transfer.export_journey(services.load_journey(org_id, journey_id))


def test_export_then_import_gives_an_identical_journey_in_another_org(app, db):
    source, target = factories.make_org(), factories.make_org()
    journey = factories.make_journey(source, touchpoints=3, expectations=4)
    exported = _export(source.id, journey.id)

    raw = json.dumps(exported).encode()
    checked = transfer.parse_journey_file(raw, max_bytes=1024 * 1024)
    copy = transfer.import_journey(target.id, checked, actor=None)
    db.session.commit()

    assert copy.org_id == target.id
    assert _export(target.id, copy.id) == exported


def test_import_into_the_same_org_adds_a_second_identical_journey(app, db):
    org = factories.make_org()
    journey = factories.make_journey(org)
    exported = _export(org.id, journey.id)

    copy = transfer.import_journey(
        org.id, transfer.check_journey_data(exported), actor=None
    )
    db.session.commit()

    assert copy.id != journey.id
    assert _export(org.id, copy.id) == exported


def _valid():
    return {
        "format": "polku.journey",
        "format_version": 1,
        "journey": {
            "name": "Trip",
            "description": "",
            "stages": [
                {
                    "name": "Booking",
                    "touchpoints": [
                        {
                            "name": "Call",
                            "channel": "phone",
                            "customer_need": "Ask",
                            "criticality": 2,
                            "target_response_seconds": 60,
                            "expectations": ["Answered quickly"],
                        }
                    ],
                }
            ],
        },
    }


def _tp(data):
    return data["journey"]["stages"][0]["touchpoints"][0]


BAD_FILES = [
    ("not json", lambda d: b"{not json", "not valid JSON"),
    ("wrong format", lambda d: {**d, "format": "other"}, "not a Polku journey"),
    ("future version", lambda d: {**d, "format_version": 2}, "unsupported version"),
    ("no stages", lambda d: d["journey"].update(stages=[]), "at least one stage"),
    (
        "unknown channel",
        lambda d: _tp(d).update(channel="fax"),
        'unknown channel "fax"',
    ),
    ("criticality 4", lambda d: _tp(d).update(criticality=4), "criticality"),
    ("criticality text", lambda d: _tp(d).update(criticality="3"), "criticality"),
    ("target on web", lambda d: _tp(d).update(channel="web"), "target response"),
    ("nul in name", lambda d: _tp(d).update(name="a\x00b"), "control characters"),
    ("long name", lambda d: _tp(d).update(name="x" * 201), "longer than 200"),
    ("expectation not text", lambda d: _tp(d).update(expectations=[3]), "must be text"),
    ("stages not list", lambda d: d["journey"].update(stages={}), "must be a list"),
    (
        "touchpoint not object",
        lambda d: d["journey"]["stages"][0].update(touchpoints=["x"]),
        "must be an object",
    ),
    ("deep nesting", lambda d: b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ("not utf-8", lambda d: b"\xff\xfe{}", "not valid JSON"),
]


@pytest.mark.parametrize(
    "mutate,message", [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_bad_journey_file_is_refused_with_a_reason_and_changes_nothing(
    app, db, mutate, message
):
    org = factories.make_org()
    data = _valid()
    result = mutate(data)
    if isinstance(result, bytes):
        raw = result
    else:
        raw = json.dumps(result if isinstance(result, dict) else data).encode()
    before = db.session.execute(select(func.count(Journey.id))).scalar_one()

    with pytest.raises(transfer.JourneyFileError) as error:
        transfer.import_journey(
            org.id,
            transfer.parse_journey_file(raw, max_bytes=1024 * 1024),
            actor=None,
        )

    assert message in str(error.value)
    assert db.session.execute(select(func.count(Journey.id))).scalar_one() == before


def test_oversized_file_is_refused_before_parsing(app):
    raw = b" " * 2000 + json.dumps(_valid()).encode()

    with pytest.raises(transfer.JourneyFileError) as error:
        transfer.parse_journey_file(raw, max_bytes=1024)

    assert "too large" in str(error.value)


def test_valid_file_imports_touchpoint_fields(app, db):
    org = factories.make_org()

    journey = transfer.import_journey(
        org.id, transfer.check_journey_data(_valid()), actor=None
    )
    db.session.commit()

    tp = db.session.execute(select(Touchpoint)).scalar_one()
    assert (tp.name, tp.channel.value, tp.target_response_seconds) == (
        "Call",
        "phone",
        60,
    )
    assert db.session.execute(select(Expectation.text)).scalars().all() == [
        "Answered quickly"
    ]
    assert journey.version == 1
