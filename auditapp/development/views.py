"""The development list: sort findings into items, prioritise, own and follow up."""

from __future__ import annotations

from datetime import date

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
from sqlalchemy import func, select

from auditapp.audits.models import Audit, TouchpointVisit
from auditapp.auth.models import Membership, User
from auditapp.core.errors import DomainError
from auditapp.core.forms import ActionForm
from auditapp.core.tenancy import Role, current_org_id, get_in_org_or_404, require_role
from auditapp.development import services
from auditapp.development.export import ExportRow, to_csv, to_xlsx
from auditapp.development.forms import AssignForm, ListFilterForm, StatusForm
from auditapp.development.models import (
    DevelopmentItem,
    ItemEvent,
    ItemFinding,
    ItemStatus,
)
from auditapp.development.priority import Effort
from auditapp.development.suggest import FindingText, suggest_duplicates
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint
from auditapp.journeys.models import Journey, Touchpoint

bp = Blueprint("development", __name__, url_prefix="/development")
PAGE_SIZE = 50
EXPORT_MAX = 20_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLOSED = (ItemStatus.VERIFIED, ItemStatus.WONT_FIX)
EVENT_LABELS = {
    "create": _l("Item created"),
    "link": _l("Friction point added"),
    "status": _l("Status changed"),
    "assign": _l("Owner or schedule changed"),
    "verified": _l("Verified"),
    "reopened": _l("Reopened"),
}


@bp.before_request
@login_required
def _managers_only():
    """The development list belongs to managers and admins."""
    require_role(Role.MANAGER)


def _filtered(form: ListFilterForm):
    """Return the list query with the form's filters applied (all in SQL)."""
    item = DevelopmentItem
    stmt = (
        select(item, User.name)
        .outerjoin(User, User.id == item.owner_id)
        .where(item.org_id == current_org_id())
    )
    data = form.data if form.validate() else {}
    if data.get("status"):
        stmt = stmt.where(item.status == ItemStatus(data["status"]))
    else:
        stmt = stmt.where(item.status.not_in(CLOSED))
    if data.get("q"):
        pattern = f"%{data['q'].lower()}%"
        stmt = stmt.where(
            func.lower(item.title).like(pattern)
            | func.lower(item.description).like(pattern)
        )
    for name, column in (
        ("journey", item.journey_id),
        ("owner", item.owner_id),
        ("channel", item.channel),
    ):
        if data.get(name):
            stmt = stmt.where(column == data[name])
    if data.get("severity"):
        stmt = stmt.where(item.severity >= data["severity"])
    if data.get("overdue"):
        stmt = stmt.where(
            item.due_date < date.today(), item.status.not_in((ItemStatus.DONE, *CLOSED))
        )
    return stmt


def _filter_form() -> ListFilterForm:
    form = ListFilterForm(request.args)
    journeys = db.session.execute(
        select(Journey.id, Journey.name)
        .where(Journey.org_id == current_org_id())
        .order_by(Journey.name)
    ).all()
    form.journey.choices = [(0, _("All journeys"))] + [(j.id, j.name) for j in journeys]
    form.owner.choices = [(0, _("Anyone"))] + _members()
    return form


@bp.get("")
def index():
    """The prioritised list, highest priority first, a page at a time."""
    form = _filter_form()
    stmt = _filtered(form)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.execute(
        select(func.count()).select_from(stmt.subquery())
    ).scalar_one()
    rows = db.session.execute(
        stmt.order_by(DevelopmentItem.priority_score.desc(), DevelopmentItem.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    pending = services.pending_count(current_org_id())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "development/index.html",
        rows=rows,
        form=form,
        page=page,
        total=total,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        pending=pending,
        first_rank=(page - 1) * PAGE_SIZE + 1,
        args=args,
        today=date.today(),
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    """Download the list with the current filters, in list order."""
    stmt = _filtered(_filter_form()).add_columns(Journey.name, Touchpoint.name)
    stmt = stmt.outerjoin(Journey, Journey.id == DevelopmentItem.journey_id).outerjoin(
        Touchpoint, Touchpoint.id == DevelopmentItem.touchpoint_id
    )
    rows = db.session.execute(
        stmt.order_by(DevelopmentItem.priority_score.desc(), DevelopmentItem.id).limit(
            EXPORT_MAX
        )
    ).all()
    export_rows = [
        ExportRow(
            rank=rank,
            id=item.id,
            title=item.title,
            status=item.status.value,
            priority=item.priority_score,
            severity=item.severity,
            audits_seen=item.audits_seen,
            criticality=item.criticality,
            effort=item.effort.value if item.effort else None,
            owner=owner,
            due_date=item.due_date,
            journey=journey,
            stage=item.stage_name,
            channel=item.channel,
            touchpoint=touchpoint,
            created=item.created_at,
            updated=item.updated_at,
        )
        for rank, (item, owner, journey, touchpoint) in enumerate(rows, start=1)
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


@bp.get("/inbox")
def inbox():
    """Friction points of handed-in audits waiting to be sorted, with likely matches."""
    rows = services.pending_findings(current_org_id())
    items = (
        db.session.execute(
            select(DevelopmentItem).where(
                DevelopmentItem.org_id == current_org_id(),
                DevelopmentItem.status.not_in(CLOSED),
            )
        )
        .scalars()
        .all()
    )
    by_id = {item.id: item for item in items}
    candidates = [
        FindingText(
            key=i.id,
            title=i.title,
            description=i.description,
            touchpoint_id=i.touchpoint_id,
            channel=i.channel,
            stage_name=i.stage_name,
        )
        for i in items
    ]
    entries = [
        (
            point,
            visit,
            audit,
            [
                (by_id[s.key], s)
                for s in suggest_duplicates(
                    _text(point, visit, f"p{point.id}"), candidates
                )[:3]
            ],
        )
        for point, visit, audit in rows
    ]
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
    owner = db.session.get(User, item.owner_id) if item.owner_id else None
    status_form = StatusForm(formdata=None, status=item.status.value)
    return render_template(
        "development/show.html",
        item=item,
        findings=findings,
        events=events,
        owner=owner,
        breakdown=services.breakdown(item),
        status_form=status_form,
        assign_form=_assign_form(item),
        event_labels=EVENT_LABELS,
    )


@bp.post("/<int:dev_item_id>/status")
def set_status(dev_item_id: int):
    """Move the item in its workflow."""
    item = get_in_org_or_404(DevelopmentItem, dev_item_id)
    form = StatusForm()
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
