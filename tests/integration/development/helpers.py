"""Shared arrangements for the development list tests: audits with findings, items."""

from datetime import date

from sqlalchemy import select

from auditapp.audits import services as audits
from auditapp.development.models import DevelopmentItem
from auditapp.extensions import db
from auditapp.findings import services as findings
from auditapp.journeys.services import load_journey
from tests.conftest import post_form


def audit_with_point(org, auditor, journey, *, title, severity, submit=True):
    audit = audits.start_audit(
        load_journey(org.id, journey.id), auditor=auditor, audit_date=date.today()
    )
    audit = audits.load_audit(org.id, audit.id)
    visit = audit.visits[0]
    point = findings.log_friction_point(
        visit,
        audit,
        author=auditor,
        title=title,
        description="Only one till open at lunch",
        severity=severity,
    )
    if submit:
        for v in audit.visits:
            audits.save_visit(
                v,
                audit,
                actor=auditor,
                data=audits.VisitInput(
                    ratings={a.id: audits.Rating.MET for a in v.answers}
                ),
            )
        audits.submit_audit(audit, actor=auditor)
    db.session.commit()
    return point.id


def new_items(client, shop, *findings):
    """Hand in one audit per (title, severity) and make each a new item."""
    org, auditor, _manager, journey = shop
    for title, severity in findings:
        point = audit_with_point(org, auditor, journey, title=title, severity=severity)
        post_form(client, f"/development/inbox/{point}/new", page="/development/inbox")


def item_titled(title: str) -> DevelopmentItem:
    """Return the one item with this title, fresh from the database."""
    db.session.expire_all()
    return db.session.execute(
        select(DevelopmentItem).where(DevelopmentItem.title == title)
    ).scalar_one()
