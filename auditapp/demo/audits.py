"""Demo audits: a few months of walked audits so the lists and dashboard have data.

The audits go through the same services as a real auditor's (start, save each
touchpoint, log friction points, hand in, approve), so the demo also shows the
verification of development items by later audits. A fixed random seed keeps the
demo the same on every installation.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from auditapp.audits import services as audits
from auditapp.audits.models import Rating
from auditapp.auth.models import User
from auditapp.development import services as development
from auditapp.development.models import DevelopmentItem, ItemStatus
from auditapp.extensions import db
from auditapp.findings import services as findings
from auditapp.findings.models import Severity
from auditapp.journeys.services import load_journey

AUDITS = 8
SEED = 2026
NOT_MET_TITLE = {"fi": "Ei toteutunut: {text}", "en": "Not met: {text}"}
DESCRIPTION = {
    "fi": "Havaittu demoauditoinnissa. Kuvaa tähän, mitä tapahtui ja missä.",
    "en": "Seen in a demo audit. Describe here what happened and where.",
}
HAPPENED = {
    "fi": "Asiakaspalvelu vastasi ystävällisesti, mutta asia jäi osin auki.",
    "en": "The staff were friendly, but the question was only partly answered.",
}


def _rating(rng: random.Random, quality: float) -> Rating:
    roll = rng.random()
    if roll < quality * 0.25:
        return Rating.EXCEEDED
    if roll < quality:
        return Rating.MET
    if roll < quality + (1 - quality) / 2:
        return Rating.PARTLY
    return Rating.NOT_MET


def seed_demo_audits(
    org_id: int, journey_id: int, *, auditor: User, manager: User, lang: str
) -> int:
    """Walk AUDITS audits of the journey over the past months; return how many."""
    rng = random.Random(SEED)  # noqa: S311 - demo figures, not secrets
    loaded = load_journey(org_id, journey_id)
    # Each touchpoint has its own quality, improving a little month by month.
    quality = {}
    today = date.today()
    for number in range(AUDITS):
        audit_date = today - timedelta(days=30 * (AUDITS - number) - rng.randint(0, 9))
        audit = audits.start_audit(loaded, auditor=auditor, audit_date=audit_date)
        audit = audits.load_audit(org_id, audit.id)
        for visit in audit.visits:
            base = quality.setdefault(visit.touchpoint_id, rng.uniform(0.45, 0.95))
            level = min(base + number * 0.02, 0.98)
            ratings = {a.id: _rating(rng, level) for a in visit.answers}
            score = sum(
                r in (Rating.MET, Rating.EXCEEDED) for r in ratings.values()
            ) / max(len(ratings), 1)
            emotion = max(-2, min(2, round((score - 0.6) * 5 + rng.uniform(-0.8, 0.8))))
            response = None
            if visit.target_response_seconds:
                response = int(visit.target_response_seconds * rng.uniform(0.4, 1.8))
            audits.save_visit(
                visit,
                audit,
                actor=auditor,
                data=audits.VisitInput(
                    ratings=ratings,
                    happened=HAPPENED[lang] if emotion < 0 else "",
                    emotion=emotion,
                    response_seconds=response,
                ),
            )
            for answer in visit.answers:
                if ratings[answer.id] is Rating.NOT_MET and rng.random() < 0.35:
                    findings.log_friction_point(
                        visit,
                        audit,
                        author=auditor,
                        title=NOT_MET_TITLE[lang].format(text=answer.text)[:200],
                        description=DESCRIPTION[lang],
                        severity=Severity(rng.choice((1, 2, 2, 3, 3, 4))),
                        answer=answer,
                    )
        audits.submit_audit(audit, actor=auditor)
        if number < AUDITS - 1:
            audits.approve_audit(audit, actor=manager)
        _sort_findings(org_id, manager)
        if number == AUDITS - 3:
            _mark_fixed(org_id, manager)
    return AUDITS


def _mark_fixed(org_id: int, manager: User) -> None:
    """Say the three oldest items are fixed, so later audits verify or reopen them."""
    items = db.session.execute(
        select(DevelopmentItem)
        .where(DevelopmentItem.org_id == org_id)
        .order_by(DevelopmentItem.id)
        .limit(3)
    ).scalars()
    for item in items:
        development.set_status(item, ItemStatus.DONE, actor=manager)


def _sort_findings(org_id: int, manager: User) -> None:
    """File the handed-in findings as a manager would: one item per expectation."""
    for point, visit, audit in development.pending_findings(org_id, limit=1000):
        same = db.session.execute(
            select(DevelopmentItem).where(
                DevelopmentItem.org_id == org_id, DevelopmentItem.title == point.title
            )
        ).scalar_one_or_none()
        if same is None:
            development.create_item(point, visit, audit, actor=manager)
        else:
            development.link_finding(point, same, actor=manager)
