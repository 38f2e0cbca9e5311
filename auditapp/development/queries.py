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

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import ORMOption

from auditapp.development import priority
from auditapp.development.models import CLOSED_STATUSES, DevelopmentItem, ItemStatus
from auditapp.extensions import db

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


@dataclass(frozen=True)
class ListRow:
    """One item of the list, at its place in the ranking."""

    rank: int
    item: DevelopmentItem

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
    """Return the ids of the items the filters keep, highest priority first."""
    item = DevelopmentItem
    facts = db.session.execute(
        select(
            item.id,
            item.priority_score,
            item.severity,
            item.audits_seen,
            item.rank_override,
        ).where(*_conditions(org_id, filters, today or date.today()))
    ).all()
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


def list_page(
    org_id: int,
    filters: ListFilters,
    *,
    offset: int = 0,
    limit: int | None = None,
    today: date | None = None,
) -> tuple[int, list[ListRow]]:
    """Return (how many items the filters keep, the rows from offset on)."""
    ids = ranked_ids(org_id, filters, today=today)
    chosen = ids[offset:] if limit is None else ids[offset : offset + limit]
    rows = [
        ListRow(rank=offset + index, item=item)
        for index, item in enumerate(load_items(org_id, chosen), start=1)
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
