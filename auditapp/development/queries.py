"""Reading the development list: filters, ranking and the rows of one page.

Whatever the size of the list, a page costs two statements: one reads the sort facts
(id, stored score, severity, audits seen, pin) of every item the filters keep, the
pure :func:`priority.order` ranks them, and one more loads the page's items with
their owner, journey and touchpoint joined in. The web list, the exports and the PDF
report all read the list through here, so they always agree on the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import ORMOption

from auditapp.development import priority
from auditapp.development.models import (
    CLOSED_STATUSES,
    DevelopmentItem,
    ItemFinding,
    ItemStatus,
)
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo

#: Items loaded per statement when a long list (an export) is read by id.
ID_BATCH = 1_000


@dataclass(frozen=True)
class ListFilters:
    """What the manager narrowed the list to; empty values mean "any"."""

    q: str = ""
    #: A status value, or "" for every open item (not verified, not won't fix)
    status: str = ""
    journey_id: int = 0
    stage: str = ""
    channel: str = ""
    owner_id: int = 0
    min_severity: int = 0
    overdue: bool = False
    #: One of SORTS; anything but "priority" ignores pins
    sort: str = "priority"


#: Orders the list can be read in. Priority is the default and honours pins.
SORTS = ("priority", "due", "newest", "seen")


@dataclass(frozen=True)
class RowDetails:
    """What the list shows of an item's findings: how many, and its best photo."""

    findings: int = 0
    photos: int = 0
    #: The first photo of the item's most severe friction point, if any
    best_photo_id: int | None = None


NO_DETAILS = RowDetails()


@dataclass(frozen=True)
class ListRow:
    """One item of the list, at its place in the ranking."""

    rank: int
    item: DevelopmentItem
    details: RowDetails = NO_DETAILS

    @property
    def pinned(self) -> bool:
        """Return whether a manager pinned the item to its position."""
        return self.item.rank_override is not None


def _conditions(org_id: int, filters: ListFilters, today: date) -> list:
    item = DevelopmentItem
    where = [item.org_id == org_id]
    if filters.status:
        where.append(item.status == ItemStatus(filters.status))
    else:
        where.append(item.status.not_in(CLOSED_STATUSES))
    if filters.q:
        # Escape LIKE wildcards: a search for "100%" means the text "100%".
        text = filters.q.lower().replace("\\", "\\\\").replace("%", "\\%")
        pattern = "%" + text.replace("_", "\\_") + "%"
        where.append(
            func.lower(item.title).like(pattern, escape="\\")
            | func.lower(item.description).like(pattern, escape="\\")
        )
    for value, column in (
        (filters.journey_id, item.journey_id),
        (filters.owner_id, item.owner_id),
        (filters.channel, item.channel),
        (filters.stage, item.stage_name),
    ):
        if value:
            where.append(column == value)
    if filters.min_severity:
        where.append(item.severity >= filters.min_severity)
    if filters.overdue:
        where.append(item.due_date < today)
        where.append(item.status.not_in((ItemStatus.DONE, *CLOSED_STATUSES)))
    return where


def ranked_ids(
    org_id: int, filters: ListFilters, *, today: date | None = None
) -> list[int]:
    """Return the ids of the items the filters keep, in the filters' order.

    By priority (the default), highest first with pinned items at their positions;
    by due date (soonest first, undated last), newest first, or most audits first.
    """
    item = DevelopmentItem
    facts = db.session.execute(
        select(
            item.id,
            item.priority_score,
            item.severity,
            item.audits_seen,
            item.rank_override,
            item.due_date,
            item.created_at,
        ).where(*_conditions(org_id, filters, today or date.today()))
    ).all()
    by_score = [f.id for f in sorted(facts, key=lambda f: (-f.priority_score, f.id))]
    if filters.sort == "due":
        undated = date.max
        return sorted(by_score, key={f.id: f.due_date or undated for f in facts}.get)
    if filters.sort == "newest":
        return [f.id for f in sorted(facts, key=lambda f: (f.created_at, f.id))][::-1]
    if filters.sort == "seen":
        return sorted(by_score, key={f.id: -f.audits_seen for f in facts}.get)
    return priority.order(
        [
            priority.Scored(f.id, f.priority_score, f.severity, f.audits_seen)
            for f in facts
        ],
        {f.id: f.rank_override for f in facts if f.rank_override is not None},
    )


def list_load_options() -> Sequence[ORMOption]:
    """Return how a page loads what each row shows (joined: no query per row)."""
    return (
        joinedload(DevelopmentItem.owner),
        joinedload(DevelopmentItem.journey),
        joinedload(DevelopmentItem.touchpoint),
    )


def load_items(org_id: int, ids: Sequence[int]) -> list[DevelopmentItem]:
    """Return the items with these ids, in that order, with what the list shows."""
    by_id: dict[int, DevelopmentItem] = {}
    for start in range(0, len(ids), ID_BATCH):
        batch = ids[start : start + ID_BATCH]
        by_id.update(
            (item.id, item)
            for item in db.session.execute(
                select(DevelopmentItem)
                .options(*list_load_options())
                .where(DevelopmentItem.org_id == org_id, DevelopmentItem.id.in_(batch))
            )
            .unique()
            .scalars()
        )
    return [by_id[i] for i in ids if i in by_id]


def row_details(org_id: int, item_ids: Sequence[int]) -> dict[int, RowDetails]:
    """Return finding and photo counts and the best photo of each item (2 statements).

    The best photo is the first photo of the most severe friction point, so the
    thumbnail shows the worst thing that was seen.
    """
    if not item_ids:
        return {}
    link = ItemFinding
    counts = db.session.execute(
        select(
            link.item_id,
            func.count(distinct(link.friction_point_id)),
            func.count(Photo.id),
        )
        .outerjoin(Photo, Photo.friction_point_id == link.friction_point_id)
        .where(link.org_id == org_id, link.item_id.in_(item_ids))
        .group_by(link.item_id)
    ).all()
    place = (
        func.row_number()
        .over(
            partition_by=link.item_id,
            order_by=(FrictionPoint.severity.desc(), FrictionPoint.id, Photo.id),
        )
        .label("place")
    )
    ranked = (
        select(link.item_id, Photo.id.label("photo_id"), place)
        .join(FrictionPoint, FrictionPoint.id == link.friction_point_id)
        .join(Photo, Photo.friction_point_id == FrictionPoint.id)
        .where(link.org_id == org_id, link.item_id.in_(item_ids))
        .subquery()
    )
    best = {
        row.item_id: row.photo_id
        for row in db.session.execute(
            select(ranked.c.item_id, ranked.c.photo_id).where(ranked.c.place == 1)
        )
    }
    return {
        item_id: RowDetails(findings, photos, best.get(item_id))
        for item_id, findings, photos in counts
    }


def list_page(
    org_id: int,
    filters: ListFilters,
    *,
    offset: int = 0,
    limit: int | None = None,
    today: date | None = None,
    with_details: bool = True,
) -> tuple[int, list[ListRow]]:
    """Return (how many items the filters keep, the rows from offset on).

    `with_details` adds finding and photo counts and the best photo (two more
    statements); exports leave them out.
    """
    ids = ranked_ids(org_id, filters, today=today)
    chosen = ids[offset:] if limit is None else ids[offset : offset + limit]
    items = load_items(org_id, chosen)
    details = row_details(org_id, chosen) if with_details else {}
    rows = [
        ListRow(
            rank=offset + index, item=item, details=details.get(item.id, NO_DETAILS)
        )
        for index, item in enumerate(items, start=1)
    ]
    return len(ids), rows


def stage_names(org_id: int) -> list[str]:
    """Return the distinct stage names of the organisation's items, for the filter."""
    return list(
        db.session.execute(
            select(DevelopmentItem.stage_name)
            .where(DevelopmentItem.org_id == org_id, DevelopmentItem.stage_name != "")
            .distinct()
            .order_by(DevelopmentItem.stage_name)
        ).scalars()
    )
