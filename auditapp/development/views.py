"""The development list: sort findings into items, prioritise, own and follow up."""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select, tuple_

from auditapp.audits.models import Audit, TouchpointVisit
from auditapp.auth.models import Membership, User
from auditapp.core.errors import DomainError
from auditapp.core.forms import ActionForm
from auditapp.core.tenancy import Role, current_org_id, get_in_org_or_404, require_role
from auditapp.development import dashboard as dashboard_data
from auditapp.development import queries, services
from auditapp.development.export import ExportRow, to_csv, to_xlsx
from auditapp.development.forms import (
    PAGE_SIZES,
    AssignForm,
    CommentForm,
    DashboardForm,
    ListFilterForm,
    OverrideForm,
    StatusForm,
)
from auditapp.development.models import (
    CLOSED_STATUSES,
    DevelopmentItem,
    ItemComment,
    ItemEvent,
    ItemFinding,
    ItemStatus,
    NotDuplicate,
)
from auditapp.development.priority import Effort
from auditapp.development.suggest import FindingText, suggest_duplicates
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint
from auditapp.journeys.models import Journey

bp = Blueprint("development", __name__, url_prefix="/development")
PAGE_SIZE = PAGE_SIZES[0]
EXPORT_MAX = 20_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def describe_event(kind: str, text: str) -> str:
    """Return a history line in the reader's language.

    Events keep language-neutral facts (a status value, an audit id) so that each
    reader sees them in their own language, whoever caused them.
    """
    label = str(EVENT_LABELS.get(kind, kind))
    if kind == "verified" and text.isdigit():
        return _("Verified by audit #%(n)d.", n=int(text))
    if kind == "reopened" and text.isdigit():
        return _("Audit #%(n)d found it again.", n=int(text))
    if kind == "status":
        value, _sep, reason = text.partition(" ")
        try:
            status = ItemStatus(value)
        except ValueError:  # not a status value: show the text as it is
            pass
        else:
            text = " ".join(filter(None, (str(status.label), reason)))
    return f"{label}: {text}" if text else label


EVENT_LABELS = {
    "create": _l("Item created"),
    "link": _l("Friction point added"),
    "status": _l("Status changed"),
    "assign": _l("Owner or schedule changed"),
    "verified": _l("Verified"),
    "reopened": _l("Reopened"),
    "override": _l("Position pinned"),
    "override_cleared": _l("Pin removed"),
}


@bp.before_request
@login_required
def _managers_only():
    """The development list belongs to managers and admins."""
    require_role(Role.MANAGER)


def filter_form() -> ListFilterForm:
    form = ListFilterForm(request.args)
    journeys = db.session.execute(
        select(Journey.id, Journey.name)
        .where(Journey.org_id == current_org_id())
        .order_by(Journey.name)
    ).all()
    form.journey.choices = [(0, _("All journeys"))] + [(j.id, j.name) for j in journeys]
    form.stage.choices = [("", _("All stages"))] + [
        (name, name) for name in queries.stage_names(current_org_id())
    ]
    form.owner.choices = [(0, _("Anyone"))] + _members()
    return form


def list_filters(form: ListFilterForm) -> queries.ListFilters:
    """Return the filters the form asks for; an invalid form filters nothing."""
    if not form.validate():
        return queries.ListFilters()
    return queries.ListFilters(
        q=(form.q.data or "").strip(),
        status=form.status.data or "",
        journey_id=form.journey.data or 0,
        stage=form.stage.data or "",
        channel=form.channel.data or "",
        owner_id=form.owner.data or 0,
        min_severity=form.severity.data or 0,
        overdue=bool(form.overdue.data),
        sort=form.sort.data or "priority",
    )


@bp.get("")
def index():
    """The prioritised list, highest priority first, a page at a time."""
    form = filter_form()
    filters = list_filters(form)
    per_page = form.per_page.data if form.per_page.data in PAGE_SIZES else PAGE_SIZE
    page = max(request.args.get("page", 1, type=int), 1)
    total, rows = queries.list_page(
        current_org_id(), filters, offset=(page - 1) * per_page, limit=per_page
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "development/index.html",
        rows=rows,
        form=form,
        page=page,
        total=total,
        pages=max((total + per_page - 1) // per_page, 1),
        pending=services.pending_count(current_org_id()),
        args=args,
        today=date.today(),
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    """Download the list with the current filters, in list order."""
    _total, rows = queries.list_page(
        current_org_id(),
        list_filters(filter_form()),
        limit=EXPORT_MAX,
        with_details=False,
    )
    export_rows = [
        ExportRow(
            rank=row.rank,
            id=item.id,
            title=item.title,
            status=item.status.value,
            priority=item.priority_score,
            severity=item.severity,
            audits_seen=item.audits_seen,
            criticality=item.criticality,
            effort=item.effort.value if item.effort else None,
            owner=item.owner.name if item.owner else None,
            due_date=item.due_date,
            journey=item.journey.name if item.journey else None,
            stage=item.stage_name,
            channel=item.channel,
            touchpoint=item.touchpoint.name if item.touchpoint else None,
            created=item.created_at,
            updated=item.updated_at,
        )
        for row in rows
        for item in (row.item,)
    ]
    body, mimetype = (
        (to_csv(export_rows), "text/csv; charset=utf-8")
        if fmt == "csv"
        else (to_xlsx(export_rows), XLSX_TYPE)
    )
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="development-list.{fmt}"',
        },
    )


def _text(point: FrictionPoint, visit: TouchpointVisit, key) -> FindingText:
    return FindingText(
        key=key,
        title=point.title,
        description=point.description,
        touchpoint_id=visit.touchpoint_id,
        channel=visit.channel.value,
        stage_name=visit.stage_name,
    )


def _candidates(texts: list[FindingText]) -> dict[int, DevelopmentItem]:
    """Return open items that could be a duplicate of one of these findings.

    Only items at the same touchpoint, or in the same channel and stage, can be
    suggested, so the database narrows them down before any text is compared.
    """
    if not texts:
        return {}
    touchpoints = {t.touchpoint_id for t in texts if t.touchpoint_id is not None}
    places = {(t.channel, t.stage_name) for t in texts}
    item = DevelopmentItem
    rows = db.session.execute(
        select(item).where(
            item.org_id == current_org_id(),
            item.status.not_in(CLOSED_STATUSES),
            or_(
                item.touchpoint_id.in_(touchpoints),
                tuple_(item.channel, item.stage_name).in_(places),
            ),
        )
    ).scalars()
    return {row.id: row for row in rows}


def _not_duplicates(point_ids: list[int]) -> set[tuple[int, int]]:
    """Return the (friction point, item) pairs a manager already called different."""
    if not point_ids:
        return set()
    return {
        (row.friction_point_id, row.item_id)
        for row in db.session.execute(
            select(NotDuplicate.friction_point_id, NotDuplicate.item_id).where(
                NotDuplicate.org_id == current_org_id(),
                NotDuplicate.friction_point_id.in_(point_ids),
            )
        )
    }


@bp.get("/inbox")
def inbox():
    """Friction points of handed-in audits waiting to be sorted, with likely matches."""
    rows = services.pending_findings(current_org_id())
    texts = [_text(point, visit, point.id) for point, visit, _audit in rows]
    by_id = _candidates(texts)
    rejected = _not_duplicates([point.id for point, _visit, _audit in rows])
    candidates = [
        FindingText(
            key=i.id,
            title=i.title,
            description=i.description,
            touchpoint_id=i.touchpoint_id,
            channel=i.channel,
            stage_name=i.stage_name,
        )
        for i in by_id.values()
    ]
    entries = []
    for (point, visit, audit), text in zip(rows, texts, strict=True):
        open_to = [c for c in candidates if (point.id, c.key) not in rejected]
        suggestions = suggest_duplicates(text, open_to)[:3]
        entries.append((point, visit, audit, [(by_id[s.key], s) for s in suggestions]))
    return render_template(
        "development/inbox.html", entries=entries, action_form=ActionForm()
    )


def _pending_point(point_id: int):
    point = get_in_org_or_404(FrictionPoint, point_id)
    visit = get_in_org_or_404(TouchpointVisit, point.visit_id)
    audit = get_in_org_or_404(Audit, point.audit_id)
    if audit.status not in services.COUNTED:
        abort(404)
    return point, visit, audit


@bp.post("/inbox/<int:point_id>/new")
def create_item(point_id: int):
    """Make a friction point a new development item."""
    point, visit, audit = _pending_point(point_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.create_item(point, visit, audit, actor=current_user)
    db.session.commit()
    return redirect(url_for(".inbox"), code=303)


@bp.post("/inbox/<int:point_id>/same-as/<int:dev_item_id>")
def link(point_id: int, dev_item_id: int):
    """Count a friction point in an existing item: the manager says it is the same."""
    point, _visit, _audit = _pending_point(point_id)
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.link_finding(point, item, actor=current_user)
    db.session.commit()
    return redirect(url_for(".inbox"), code=303)


@bp.post("/inbox/<int:point_id>/different/<int:dev_item_id>")
def not_duplicate(point_id: int, dev_item_id: int):
    """The manager says a suggestion is a different issue: stop suggesting it."""
    point, _visit, _audit = _pending_point(point_id)
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_not_duplicate(point, item, actor=current_user)
    db.session.commit()
    return redirect(url_for(".inbox", _anchor=f"point-{point.id}"), code=303)


def _assign_form(item: DevelopmentItem) -> AssignForm:
    form = AssignForm(
        formdata=None,
        owner=item.owner_id or 0,
        due_date=item.due_date,
        effort=item.effort.value if item.effort else "",
    )
    _owner_choices(form)
    return form


def _members() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == current_org_id(), Membership.active.is_(True))
        .order_by(User.name)
    ).all()
    return [(m.id, m.name) for m in rows]


def _owner_choices(form: AssignForm) -> None:
    form.owner.choices = [(0, _("Nobody yet"))] + _members()


def _status_form(item: DevelopmentItem, **kwargs) -> StatusForm:
    """The status form; "verified" is offered only while it is the item's status."""
    form = StatusForm(status=item.status.value, **kwargs)
    if item.status is ItemStatus.VERIFIED:
        form.status.choices = [
            *form.status.choices,
            (item.status.value, item.status.label),
        ]
    return form


@bp.get("/<int:dev_item_id>")
def show(dev_item_id: int):
    """An item: why it ranks where it does, its findings, workflow and history."""
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    findings = db.session.execute(
        select(FrictionPoint, TouchpointVisit, Audit)
        .join(ItemFinding, ItemFinding.friction_point_id == FrictionPoint.id)
        .join(TouchpointVisit, TouchpointVisit.id == FrictionPoint.visit_id)
        .join(Audit, Audit.id == FrictionPoint.audit_id)
        .where(ItemFinding.item_id == item.id, ItemFinding.org_id == item.org_id)
        .order_by(FrictionPoint.id)
    ).all()
    events = db.session.execute(
        select(ItemEvent, User.name)
        .outerjoin(User, User.id == ItemEvent.user_id)
        .where(ItemEvent.item_id == item.id, ItemEvent.org_id == item.org_id)
        .order_by(ItemEvent.id)
    ).all()
    comments = db.session.execute(
        select(ItemComment, User.name)
        .outerjoin(User, User.id == ItemComment.user_id)
        .where(ItemComment.item_id == item.id, ItemComment.org_id == item.org_id)
        .order_by(ItemComment.id)
    ).all()
    people = {
        user.id: user.name
        for user in db.session.execute(
            select(User).where(
                User.id.in_({item.owner_id, item.rank_override_by_id} - {None})
            )
        ).scalars()
    }
    status_form = _status_form(item, formdata=None)
    return render_template(
        "development/show.html",
        item=item,
        findings=findings,
        events=events,
        comments=comments,
        owner_name=people.get(item.owner_id),
        pinned_by=people.get(item.rank_override_by_id),
        override_form=OverrideForm(formdata=None, position=item.rank_override),
        comment_form=CommentForm(formdata=None),
        action_form=ActionForm(),
        breakdown=services.breakdown(item),
        status_form=status_form,
        assign_form=_assign_form(item),
        describe_event=describe_event,
    )


@bp.post("/<int:dev_item_id>/status")
def set_status(dev_item_id: int):
    """Move the item in its workflow."""
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    form = _status_form(item)
    if not form.validate_on_submit():
        raise DomainError(_("Choose a status."))
    services.set_status(
        item,
        ItemStatus(form.status.data),
        actor=current_user,
        reason=form.reason.data or "",
    )
    db.session.commit()
    return redirect(url_for(".show", dev_item_id=item.id), code=303)


@bp.post("/<int:dev_item_id>/assign")
def assign(dev_item_id: int):
    """Set the owner, due date and effort estimate."""
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    form = AssignForm()
    _owner_choices(form)
    if not form.validate_on_submit():
        raise DomainError(_("Check the owner and the due date."))
    services.assign(
        item,
        owner_id=form.owner.data or None,
        due_date=form.due_date.data,
        effort=Effort(form.effort.data) if form.effort.data else None,
        actor=current_user,
    )
    db.session.commit()
    return redirect(url_for(".show", dev_item_id=item.id), code=303)


@bp.post("/<int:dev_item_id>/override")
def set_override(dev_item_id: int):
    """Pin the item to a position, with a reason everyone can read."""
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    form = OverrideForm()
    if not form.validate_on_submit():
        raise DomainError(_("Give a position of 1 or more and say why."))
    services.set_override(
        item, position=form.position.data, reason=form.reason.data, actor=current_user
    )
    db.session.commit()
    return redirect(url_for(".show", dev_item_id=item.id), code=303)


@bp.post("/<int:dev_item_id>/override/clear")
def clear_override(dev_item_id: int):
    """Remove the pin: the item takes its place by priority score again."""
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.clear_override(item, actor=current_user)
    db.session.commit()
    return redirect(url_for(".show", dev_item_id=item.id), code=303)


@bp.post("/<int:dev_item_id>/comments")
def comment(dev_item_id: int):
    """Add a comment to the item."""
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    form = CommentForm()
    if not form.validate_on_submit():
        raise DomainError(_("Write a comment of at most 5,000 characters."))
    services.add_comment(item, form.text.data, actor=current_user)
    db.session.commit()
    return redirect(
        url_for(".show", dev_item_id=item.id, _anchor="comments-title"), code=303
    )


#: The dashboard looks back this far unless the manager picks a period.
DEFAULT_PERIOD = timedelta(days=365)


def _latest_audited_journey(journey_ids: list[int]) -> int | None:
    """Return the journey of the latest handed-in audit, else the first journey."""
    latest = db.session.execute(
        select(Audit.journey_id)
        .where(Audit.org_id == current_org_id(), Audit.status.in_(services.COUNTED))
        .order_by(Audit.audit_date.desc(), Audit.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return latest or (journey_ids[0] if journey_ids else None)


def dashboard_period(form: DashboardForm) -> tuple[date, date]:
    """Return the period the form asks for, or the last year where it asks for none.

    The dashboard and the journey map read their period here, so they agree.
    """
    dates_ok = form.validate() if request.args else True
    end = form.end.data if dates_ok and form.end.data else date.today()
    start = form.start.data if dates_ok and form.start.data else end - DEFAULT_PERIOD
    return start, end


@bp.get("/dashboard")
def dashboard():
    """How a journey did over a period: scores, emotions, coverage, top items."""
    journeys = db.session.execute(
        select(Journey.id, Journey.name)
        .where(Journey.org_id == current_org_id())
        .order_by(Journey.archived_at.is_not(None), Journey.name)
    ).all()
    form = DashboardForm(request.args)
    form.journey.choices = [(j.id, j.name) for j in journeys]
    journey_id = request.args.get("journey", type=int) or _latest_audited_journey(
        [j.id for j in journeys]
    )
    start, end = dashboard_period(form)
    form.journey.data, form.start.data, form.end.data = journey_id, start, end
    board = None
    if journey_id is not None:
        # Another organisation's journey id answers 404, like a missing one.
        board = dashboard_data.build_dashboard(current_org_id(), journey_id, start, end)
        if board is None:
            abort(404)
    return render_template(
        "development/dashboard.html",
        form=form,
        board=board,
        charts=dashboard_data.build_charts(board) if board else None,
    )
