"""The dashboard: figures of a journey over a period, charts with text alternatives."""

import re
from datetime import date

import pytest

from auditapp.audits import services as audits
from auditapp.audits.models import Rating
from auditapp.core.charts import ELEMENT_BUDGET
from auditapp.core.tenancy import Role
from auditapp.development import dashboard
from auditapp.extensions import db
from auditapp.journeys import services as journeys
from auditapp.journeys.models import Channel
from auditapp.journeys.services import load_journey
from tests import factories

M, N, P, X, NA = (
    Rating.MET,
    Rating.NOT_MET,
    Rating.PARTLY,
    Rating.EXCEEDED,
    Rating.NOT_APPLICABLE,
)
START, END = date(2026, 3, 1), date(2026, 4, 30)


def walk(org, auditor, journey, when, plan, *, submit=True):
    """Walk an audit: plan maps touchpoint position → (ratings, emotion, seconds)."""
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=when
    )
    audit = audits.load_audit(org.id, audit.id)
    for position, visit in enumerate(audit.visits):
        ratings, emotion, seconds = plan[position]
        audits.save_visit(
            visit,
            audit,
            actor=auditor,
            data=audits.VisitInput(
                ratings=dict(zip((a.id for a in visit.answers), ratings, strict=True)),
                emotion=emotion,
                response_seconds=seconds,
            ),
        )
    if submit:
        audits.submit_audit(audit, actor=auditor)
    db.session.commit()
    return audit


@pytest.fixture
def walked(app):
    """Two touchpoints on the phone in "Finding", one on the web in "Visiting"."""
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    manager = factories.make_user(org, Role.MANAGER)
    journey = factories.make_journey(org, touchpoints=2, expectations=2)
    visiting = load_journey(org.id, journey.id).stages[1]
    web = journeys.add_touchpoint(
        visiting,
        journey,
        actor=None,
        data=journeys.TouchpointData(
            name="Menu on the web", channel=Channel.WEB, customer_need="See prices"
        ),
    )
    journeys.add_expectation(web, journey, text="Prices are shown", actor=None)
    db.session.commit()
    walk(
        org,
        auditor,
        journey,
        date(2026, 3, 10),
        [([M, N], 1, 30), ([P, NA], -1, 90), ([X], 2, None)],
    )
    walk(
        org,
        auditor,
        journey,
        date(2026, 4, 5),
        [([M, M], 2, 60), ([N, N], -2, None), ([M], 1, None)],
    )
    # Neither a draft nor an audit outside the period counts.
    walk(
        org,
        auditor,
        journey,
        date(2026, 4, 6),
        [([N, N], -2, 600), ([N, N], -2, 600), ([N], -2, None)],
        submit=False,
    )
    walk(
        org,
        auditor,
        journey,
        date(2025, 1, 1),
        [([N, N], -2, 600), ([N, N], -2, 600), ([N], -2, None)],
    )
    return org, manager, journey


def test_figures_follow_the_scoring_rules_over_the_period(walked):
    org, _manager, journey = walked

    board = dashboard.build_dashboard(org.id, journey.id, START, END)

    first, second, web = board.touchpoints
    assert board.audits == 2
    assert (first.points, first.counted) == (3.0, 4)
    assert (second.points, second.counted) == (0.5, 3)  # N/A left out
    assert (web.points, web.counted, web.stage_name) == (2.0, 2, "Visiting")
    assert [s.name for s in board.stages] == ["Finding", "Visiting", "After"]
    assert board.stages[0].share == pytest.approx(3.5 / 7)
    assert board.share == pytest.approx(5.5 / 9)
    assert (first.emotion, second.emotion, web.emotion) == (1.5, -1.5, 1.5)
    assert (first.response_average, first.within_target) == (45.0, 2)
    assert (second.response_average, second.response_count) == (90.0, 1)
    assert second.within_target == 0
    assert [(t.month, t.audits) for t in board.trend] == [
        (date(2026, 3, 1), 1),
        (date(2026, 4, 1), 1),
    ]
    assert [round(t.share, 3) for t in board.trend] == [0.625, 0.6]


def test_coverage_shows_which_touchpoints_exist_and_were_audited(walked):
    org, _manager, journey = walked
    loaded = load_journey(org.id, journey.id)
    journeys.add_touchpoint(
        loaded.stages[0],
        journey,
        actor=None,
        data=journeys.TouchpointData(
            name="New chat", channel=Channel.CHAT, customer_need="Ask"
        ),
    )
    db.session.commit()

    board = dashboard.build_dashboard(org.id, journey.id, START, END)
    coverage = board.coverage

    assert coverage.stages == ["Finding", "Visiting"]  # "After" has no touchpoints
    assert coverage.channels == [Channel.WEB, Channel.PHONE, Channel.CHAT]
    assert coverage.cell("Finding", Channel.PHONE).audited == 2
    assert coverage.cell("Finding", Channel.CHAT).audited == 0
    assert coverage.cell("Visiting", Channel.WEB).existing == 1
    assert coverage.cell("Visiting", Channel.PHONE) is None


def test_a_removed_touchpoint_still_counts_under_its_old_stage(walked):
    org, _manager, journey = walked
    loaded = load_journey(org.id, journey.id)
    journeys.delete_touchpoint(loaded.stages[1].touchpoints[0], journey, actor=None)
    db.session.commit()

    board = dashboard.build_dashboard(org.id, journey.id, START, END)

    gone = board.stages[1].touchpoints[0]
    assert (gone.name, gone.current, gone.counted) == ("Menu on the web", False, 2)
    assert board.share == pytest.approx(5.5 / 9)


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def test_page_shows_the_figures_with_charts_and_text_alternatives(
    client, login_as, walked
):
    _org, manager, journey = walked
    login_as(manager)

    html = client.get(
        f"/development/dashboard?journey={journey.id}&start=2026-03-01&end=2026-04-30"
    ).get_data(as_text=True)

    assert "2 audits handed in" in html
    assert "Expectations met: 61%" in html
    assert "Touchpoint 2: 17%" in html  # the chart's description
    assert "Touchpoint 1: +1.5" in html
    assert "average 45 s, target 1 min, 2 of 2 within target" in html
    assert "March 2026" in html and "62%" in html
    svgs = _svgs(html)
    assert len(svgs) >= 5
    for svg in svgs:
        assert "<title" in svg and "<desc" in svg
        assert len(re.findall(r"<[a-z]+\b", svg)) <= ELEMENT_BUDGET


def test_dashboard_in_finnish_formats_numbers_and_months(client, login_as, walked):
    _org, manager, journey = walked
    manager.locale = "fi"
    db.session.commit()
    login_as(manager)

    html = client.get(
        f"/development/dashboard?journey={journey.id}&start=2026-03-01&end=2026-04-30"
    ).get_data(as_text=True)
    html = html.replace("\xa0", " ")  # Finnish puts a no-break space before %

    assert "Odotuksista täyttyi 61 %" in html
    assert "maaliskuu 2026" in html
    assert "tunne +1,5" in html


def test_a_backwards_period_is_explained_and_defaults_are_used(
    client, login_as, walked
):
    _org, manager, journey = walked
    login_as(manager)

    response = client.get(
        f"/development/dashboard?journey={journey.id}&start=2026-05-01&end=2026-04-01"
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end date is before the start date." in html


def test_auditors_cannot_see_the_dashboard(client, login_as, walked):
    org, _manager, _journey = walked
    login_as(factories.make_user(org, Role.AUDITOR))

    assert client.get("/development/dashboard").status_code == 403


def test_another_organisations_journey_is_not_found(client, login_as, walked):
    _org, _manager, journey = walked
    login_as(factories.make_user(factories.make_org("Other"), Role.MANAGER))

    response = client.get(f"/development/dashboard?journey={journey.id}")
    assert response.status_code == 404
    assert "Touchpoint 1" not in response.get_data(as_text=True)
