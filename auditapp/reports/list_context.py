"""Plain data for the development list report, read through development/queries.

The order is the list's own (queries.list_page), so the PDF, the page and the exports
always agree. Queries: the ranking and the page (development/queries), the
organisation, the best photo per item (one per thousand items), and the names of a
filtered journey or owner.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from auditapp.auth.models import Membership, Organisation, User
from auditapp.development import queries
from auditapp.development.models import ItemFinding, ItemStatus
from auditapp.development.priority import ItemFacts, Priority, score
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo, Severity
from auditapp.journeys.models import Channel, Journey
from auditapp.reports.context import check_size
from auditapp.reports.fetcher import PhotoFile


@dataclass(frozen=True)
class ListItemLine:
    """One development item as printed, with its priority breakdown."""

    rank: int
    title: str
    status: str
    status_label: str
    owner_name: str
    due_date: date | None
    overdue: bool
    audits_seen: int
    severity: int
    severity_label: str
    effort: str
    priority_score: float
    breakdown: Priority
    #: The breakdown in words, e.g. "Priority 54 = 27 × 1.0 × 2.0 ÷ 1.0 · …"
    facts_text: str
    pinned: bool
    where: str
    thumb_id: int | None


@dataclass(frozen=True)
class DevelopmentListReport:
    """The prioritised list with the filters it was made with, and a summary."""

    org_id: int
    org_name: str
    title: str
    generated_on: date
    filters: list[tuple[str, str]]
    total: int
    items: list[ListItemLine]
    status_counts: list[tuple[str, int]]
    severity_counts: list[tuple[str, int, int]]
    overdue: int
    unassigned: int
    by_priority: bool
    photos: dict[int, PhotoFile] = field(repr=False)


def _best_photos(org_id: int, item_ids: list[int]) -> dict[int, Photo]:
    """Return each item's best photo: from its worst friction point, newest first."""
    best: dict[int, Photo] = {}
    for start in range(0, len(item_ids), queries.ID_BATCH):
        batch = item_ids[start : start + queries.ID_BATCH]
        rows = db.session.execute(
            select(ItemFinding.item_id, Photo)
            .join(FrictionPoint, FrictionPoint.id == ItemFinding.friction_point_id)
            .join(Photo, Photo.friction_point_id == FrictionPoint.id)
            .where(
                ItemFinding.org_id == org_id,
                Photo.org_id == org_id,
                ItemFinding.item_id.in_(batch),
            )
            .order_by(FrictionPoint.severity.desc(), Photo.id.desc())
        )
        for item_id, photo in rows:
            best.setdefault(item_id, photo)
    return best


def _filter_lines(org_id: int, filters: queries.ListFilters) -> list[tuple[str, str]]:
    """Return the filters in words, as (what, value) pairs."""
    lines = []
    if filters.q:
        lines.append((_("Search"), filters.q))
    lines.append(
        (
            _("Status"),
            str(ItemStatus(filters.status).label) if filters.status else _("Open"),
        )
    )
    if filters.journey_id:
        name = db.session.execute(
            select(Journey.name).where(
                Journey.id == filters.journey_id, Journey.org_id == org_id
            )
        ).scalar_one_or_none()
        lines.append((_("Journey"), name or "–"))
    if filters.stage:
        lines.append((_("Stage"), filters.stage))
    if filters.channel:
        lines.append((_("Channel"), str(Channel(filters.channel).label)))
    if filters.owner_id:
        name = db.session.execute(
            select(User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(User.id == filters.owner_id, Membership.org_id == org_id)
        ).scalar_one_or_none()
        lines.append((_("Owner"), name or "–"))
    if filters.min_severity:
        lines.append(
            (_("Severity at least"), str(Severity(filters.min_severity).label))
        )
    if filters.overdue:
        lines.append((_("Only overdue"), _("yes")))
    orders = {
        "due": _("Due date"),
        "newest": _("Newest first"),
        "seen": _("Most audits"),
    }
    if filters.sort in orders:
        lines.append((_("Order"), orders[filters.sort]))
    return lines


def _facts_text(item, breakdown: Priority) -> str:
    """Return an item's priority breakdown and facts as one line of text."""
    return " · ".join(
        (
            _("Priority %(score)s", score=format_decimal(item.priority_score))
            + f" = {breakdown.severity_weight}"
            + f" × {format_decimal(breakdown.frequency_factor, '#,##0.0#')}"
            + f" × {format_decimal(breakdown.criticality_factor, '#,##0.0#')}"
            + f" ÷ {format_decimal(breakdown.effort_divisor, '#,##0.0#')}",
            str(Severity(item.severity).label),
            ngettext(
                "seen in %(num)d audit", "seen in %(num)d audits", item.audits_seen
            ),
            _("Criticality %(n)d of 3", n=item.criticality),
            _("Effort")
            + ": "
            + (item.effort.value if item.effort else _("not estimated")),
        )
    )


def _line(row, today: date, thumb: Photo | None, facts: dict) -> ListItemLine:
    item = row.item
    # Few distinct fact combinations: format each once (2,000 items, B3).
    key = (
        item.priority_score,
        item.severity,
        item.audits_seen,
        item.criticality,
        item.effort,
    )
    if key not in facts:
        breakdown = score(
            ItemFacts(item.severity, item.audits_seen, item.criticality, item.effort)
        )
        facts[key] = (breakdown, _facts_text(item, breakdown))
    breakdown, facts_text = facts[key]
    closed = item.status in (ItemStatus.DONE, ItemStatus.VERIFIED, ItemStatus.WONT_FIX)
    where = [
        item.journey.name if item.journey else "",
        item.stage_name,
        item.touchpoint.name if item.touchpoint else "",
    ]
    return ListItemLine(
        rank=row.rank,
        title=item.title,
        status=item.status.value,
        status_label=str(item.status.label),
        owner_name=item.owner.name if item.owner else "",
        due_date=item.due_date,
        overdue=bool(item.due_date and item.due_date < today and not closed),
        audits_seen=item.audits_seen,
        severity=item.severity,
        severity_label=str(Severity(item.severity).label),
        effort=item.effort.value if item.effort else "",
        priority_score=item.priority_score,
        breakdown=breakdown,
        facts_text=facts_text,
        pinned=row.pinned,
        where=" › ".join(part for part in where if part),
        thumb_id=thumb.id if thumb else None,
    )


def build_development_list_report(
    org_id: int, filters: queries.ListFilters, *, today: date | None = None
) -> DevelopmentListReport:
    """Return the filtered, ranked list as printable data."""
    today = today or date.today()
    max_entries = current_app.config["REPORT_MAX_ENTRIES"]
    total, rows = queries.list_page(org_id, filters, limit=max_entries, today=today)
    check_size(photos=0, entries=total)
    best = _best_photos(org_id, [row.item.id for row in rows])
    check_size(photos=len(best), entries=total)
    facts: dict = {}
    items = [_line(row, today, best.get(row.item.id), facts) for row in rows]
    org_name = db.session.execute(
        select(Organisation.name).where(Organisation.id == org_id)
    ).scalar_one()
    statuses = Counter(item.status for item in items)
    severities = Counter(item.severity for item in items)
    return DevelopmentListReport(
        org_id=org_id,
        org_name=org_name,
        title=_("Development list"),
        generated_on=today,
        filters=_filter_lines(org_id, filters),
        total=total,
        items=items,
        status_counts=[
            (str(status.label), statuses[status.value])
            for status in ItemStatus
            if statuses[status.value]
        ],
        severity_counts=[
            (str(sev.label), int(sev), severities[int(sev)])
            for sev in sorted(Severity, reverse=True)
        ],
        overdue=sum(item.overdue for item in items),
        unassigned=sum(not item.owner_name for item in items),
        by_priority=filters.sort == "priority",
        photos={
            photo.id: PhotoFile(photo.org_id, photo.key, photo.thumb_key)
            for photo in best.values()
        },
    )
