"""Submitted audits with answers, notes, friction points and photos, for report tests.

Everything goes through the real services. `text` goes into every free-text field
and `name` (default: `text`) into every name and title (at most 200 characters in the
database), so security tests can plant payloads everywhere at once.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from auditapp.audits import services as audits
from auditapp.audits.models import Rating
from auditapp.auth.models import User
from auditapp.core.images import normalise_photo
from auditapp.core.tenancy import Role
from auditapp.development import services as development
from auditapp.development.priority import Effort
from auditapp.extensions import db
from auditapp.findings import services as findings
from auditapp.findings.models import FrictionPoint, Severity
from auditapp.journeys import services as journeys
from auditapp.journeys.models import Channel
from tests import factories

RATINGS = [
    Rating.EXCEEDED,
    Rating.MET,
    Rating.PARTLY,
    Rating.NOT_MET,
    Rating.NOT_APPLICABLE,
]
COLOURS = itertools.cycle(
    [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 180, 30), (120, 40, 160)]
)


def jpeg(size=(800, 600), colour=None) -> io.BytesIO:
    """Return a small JPEG of one colour with a contrasting corner."""
    image = Image.new("RGB", size, colour or next(COLOURS))
    image.paste((255, 255, 255), (0, 0, size[0] // 5, size[1] // 5))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    out.seek(0)
    return out


@dataclass(frozen=True)
class MadeAudit:
    """Ids of what make_submitted_audit created."""

    org_id: int
    audit_id: int
    auditor_email: str
    manager_email: str
    photo_ids: list[int]


def _journey(
    org,
    actor,
    *,
    text: str,
    name: str,
    stages: int,
    touchpoints: int,
    expectations: int,
):
    journey = journeys.create_journey(
        org.id,
        name=f"Ravintolakäynti {name}".strip(),
        actor=actor,
        stage_names=[f"Vaihe {s + 1} ä ö å {name}".strip() for s in range(stages)],
    )
    loaded = journeys.load_journey(org.id, journey.id)
    channels = itertools.cycle([Channel.PHONE, Channel.WEB, Channel.PHYSICAL])
    for s, stage in enumerate(loaded.stages):
        for t in range(touchpoints):
            channel = next(channels)
            tp = journeys.add_touchpoint(
                stage,
                journey,
                actor=actor,
                data=journeys.TouchpointData(
                    name=f"Kohtaamispiste {s + 1}.{t + 1} {name}".strip(),
                    channel=channel,
                    customer_need=f"Pöytävaraus {text}".strip(),
                    criticality=3,
                    target_response_seconds=60 if channel.speed_matters else None,
                ),
            )
            for e in range(expectations):
                journeys.add_expectation(
                    tp,
                    journey,
                    text=f"Odotus {e + 1}: siisti pöytä {text}",
                    actor=actor,
                )
    db.session.commit()
    return journeys.load_journey(org.id, journey.id)


def make_submitted_audit(
    org=None,
    *,
    text: str = "",
    name: str | None = None,
    stages: int = 2,
    touchpoints: int = 2,
    expectations: int = 3,
    points_per_visit: int = 1,
    photos_per_point: int = 2,
    photo=jpeg,
    submit: bool = True,
) -> MadeAudit:
    """Create, walk and submit an audit; `text` and `name` land in every field."""
    name = text if name is None else name
    org = org or factories.make_org(f"Yritys Öljy & Åke {name}".strip())
    manager = factories.make_user(org, Role.MANAGER, name=f"Päällikkö {name}".strip())
    auditor = factories.make_user(
        org, Role.AUDITOR, name=f"Auditoija Äänekoski {name}".strip()
    )
    journey = _journey(
        org,
        manager,
        text=text,
        name=name,
        stages=stages,
        touchpoints=touchpoints,
        expectations=expectations,
    )
    persona = journeys.save_persona(
        org.id, data=journeys.PersonaData(name=f"Säästäväinen Siiri {name}".strip())
    )
    audit = audits.start_audit(
        journey,
        auditor=auditor,
        persona=persona,
        location=f"Hämeenlinna {name}".strip(),
        audit_date=date(2026, 12, 24),
    )
    audit = audits.load_audit(org.id, audit.id)
    ratings = itertools.cycle(RATINGS)
    emotions = itertools.cycle([2, 1, 0, -1, -2])
    severities = itertools.cycle(
        [Severity.BLOCKING, Severity.SERIOUS, Severity.ANNOYING, Severity.COSMETIC]
    )
    photo_ids = []
    store = findings.photo_store()
    for v, visit in enumerate(audit.visits):
        data = audits.VisitInput(
            ratings={a.id: next(ratings) for a in visit.answers},
            happened=f"Jonotimme kymmenen minuuttia. {text}".strip(),
            emotion=next(emotions),
            response_seconds=45 if v % 2 else 95,
        )
        audits.save_visit(visit, audit, data=data, actor=auditor)
        for p in range(points_per_visit):
            point = findings.log_friction_point(
                visit,
                audit,
                author=auditor,
                title=f"Särö {v + 1}.{p + 1}: jono kassalla {name}".strip(),
                description=f"Vain yksi kassa auki. {text}".strip(),
                severity=next(severities),
            )
            for _n in range(photos_per_point):
                row = findings.attach_photo(
                    point,
                    audit,
                    photo=normalise_photo(photo()),
                    uploader=auditor,
                    filename=f"kuva {name}.jpg",
                    store=store,
                )
                photo_ids.append(row.id)
    if submit:
        audits.submit_audit(audit, actor=auditor)
    made = MadeAudit(org.id, audit.id, auditor.email, manager.email, photo_ids)
    db.session.commit()
    return made


def pdf_text(data: bytes) -> str:
    """Return the text of every page of a PDF, pages joined by newlines."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_images(data: bytes) -> list[bytes]:
    """Return the bytes of each distinct image XObject the pages use, in order."""
    reader = PdfReader(io.BytesIO(data))
    seen: dict[int, bytes] = {}
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image" and ref.idnum not in seen:
                seen[ref.idnum] = obj.get_data()
    return list(seen.values())


def make_items(made: MadeAudit, *, owner_every: int = 2) -> list[int]:
    """Make every friction point of a made audit its own development item.

    Every `owner_every`-th item gets the manager as owner, a due date and effort S.
    """
    manager = db.session.execute(
        select(User).where(User.email == made.manager_email)
    ).scalar_one()
    audit = audits.load_audit(made.org_id, made.audit_id)
    visits = {v.id: v for v in audit.visits}
    points = db.session.execute(
        select(FrictionPoint)
        .where(FrictionPoint.audit_id == audit.id)
        .order_by(FrictionPoint.id)
    ).scalars()
    ids = []
    for n, point in enumerate(points):
        item = development.create_item(
            point, visits[point.visit_id], audit, actor=manager
        )
        if n % owner_every == 0:
            development.assign(
                item,
                owner_id=manager.id,
                due_date=date(2026, 1, 15),
                effort=Effort.S,
                actor=manager,
            )
        ids.append(item.id)
    db.session.commit()
    return ids
