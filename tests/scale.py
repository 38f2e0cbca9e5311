"""Bulk data for scale tests and benchmarks: audits, findings and development items.

Rows are written with Core executemany inserts (the services would take minutes for
10,000 findings); the shapes match what the services write, so the pages under test
read realistic data. Deterministic: the same sizes give the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select

from auditapp.audits.models import Answer, Audit, AuditStatus, Rating, TouchpointVisit
from auditapp.development.models import DevelopmentItem, ItemFinding, ItemStatus
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo
from auditapp.journeys.services import load_journey

RATINGS = (Rating.MET, Rating.MET, Rating.PARTLY, Rating.NOT_MET, Rating.EXCEEDED)
WORDS = ("queue", "till", "sign", "phone", "web", "price", "door", "chat", "mail")


@dataclass(frozen=True)
class Sizes:
    """How much to create."""

    audits: int
    findings: int
    items: int


SMALL = Sizes(audits=5, findings=50, items=10)
LARGE = Sizes(audits=500, findings=10_000, items=2_000)


def _ids(model, org_id: int) -> list[int]:
    return list(
        db.session.execute(
            select(model.id).where(model.org_id == org_id).order_by(model.id)
        ).scalars()
    )


def fill(
    org,
    journey,
    auditor,
    sizes: Sizes,
    *,
    statuses: Sequence[str] | None = None,
    owners: Sequence | None = None,
) -> None:
    """Create `sizes` worth of handed-in audits, findings and items in the org.

    Items cycle through `statuses` (default: all) and `owners` (default: every
    third item is the auditor's).
    """
    loaded = load_journey(org.id, journey.id)
    touchpoints = [(stage, tp) for stage in loaded.stages for tp in stage.touchpoints]
    start = date(2026, 1, 1)
    db.session.execute(
        insert(Audit),
        [
            {
                "org_id": org.id,
                "journey_id": journey.id,
                "journey_version": loaded.version,
                "journey_name": loaded.name,
                "auditor_id": auditor.id,
                "audit_date": start + timedelta(days=n % 300),
                "status": AuditStatus.SUBMITTED,
            }
            for n in range(sizes.audits)
        ],
    )
    audit_ids = _ids(Audit, org.id)[-sizes.audits :]
    db.session.execute(
        insert(TouchpointVisit),
        [
            {
                "org_id": org.id,
                "audit_id": audit_id,
                "position": position,
                "stage_position": stage.position,
                "stage_name": stage.name,
                "touchpoint_id": tp.id,
                "name": tp.name,
                "channel": tp.channel,
                "criticality": tp.criticality,
                "target_response_seconds": tp.target_response_seconds,
                "emotion": (audit_id + position) % 5 - 2,
                "response_seconds": 30 + (audit_id * 7 + position) % 60,
            }
            for audit_id in audit_ids
            for position, (stage, tp) in enumerate(touchpoints)
        ],
    )
    visits = db.session.execute(
        select(TouchpointVisit.id, TouchpointVisit.audit_id, TouchpointVisit.position)
        .where(TouchpointVisit.org_id == org.id)
        .order_by(TouchpointVisit.id)
    ).all()[-sizes.audits * len(touchpoints) :]
    db.session.execute(
        insert(Answer),
        [
            {
                "org_id": org.id,
                "visit_id": visit.id,
                "position": n,
                "text": f"Expectation {n + 1}",
                "rating": RATINGS[(visit.id + n) % len(RATINGS)],
            }
            for visit in visits
            for n in range(2)
        ],
    )
    db.session.execute(
        insert(FrictionPoint),
        [
            {
                "org_id": org.id,
                "audit_id": visits[n % len(visits)].audit_id,
                "visit_id": visits[n % len(visits)].id,
                "title": f"{WORDS[n % len(WORDS)]} problem {n}",
                "description": "Seen while walking the path",
                "severity": 1 + n % 4,
                "created_by_id": auditor.id,
            }
            for n in range(sizes.findings)
        ],
    )
    point_ids = _ids(FrictionPoint, org.id)[-sizes.findings :]
    # Rows only: the list pages read photo ids, never the files.
    db.session.execute(
        insert(Photo),
        [
            {
                "org_id": org.id,
                "friction_point_id": point_id,
                "key": f"scale/{org.id}/{point_id}.jpg",
                "thumb_key": f"scale/{org.id}/{point_id}-t.jpg",
                "size": 100_000,
                "sha256": "0" * 64,
                "width": 1600,
                "height": 1200,
                "thumb_size": 9_000,
                "thumb_sha256": "0" * 64,
                "uploaded_by_id": auditor.id,
            }
            for point_id in point_ids[::2]
        ],
    )
    cycle = [ItemStatus(s) for s in statuses] if statuses else list(ItemStatus)
    people = [o.id for o in owners] if owners else [auditor.id, None, None]
    db.session.execute(
        insert(DevelopmentItem),
        [
            {
                "org_id": org.id,
                "title": f"Fix the {WORDS[n % len(WORDS)]} ({n})",
                "description": "Several audits saw this",
                "status": cycle[n % len(cycle)],
                "owner_id": people[n % len(people)],
                "due_date": start + timedelta(days=n % 400),
                "journey_id": journey.id,
                "touchpoint_id": touchpoints[n % len(touchpoints)][1].id,
                "stage_name": touchpoints[n % len(touchpoints)][0].name,
                "channel": touchpoints[n % len(touchpoints)][1].channel.value,
                "severity": 1 + n % 4,
                "audits_seen": 1 + n % 6,
                "criticality": 1 + n % 3,
                "priority_score": float((n * 37) % 500) / 10,
            }
            for n in range(sizes.items)
        ],
    )
    item_ids = _ids(DevelopmentItem, org.id)[-sizes.items :]
    db.session.execute(
        insert(ItemFinding),
        [
            {
                "org_id": org.id,
                "item_id": item_ids[n % len(item_ids)],
                "friction_point_id": point_id,
            }
            for n, point_id in enumerate(point_ids)
        ],
    )
    db.session.commit()
