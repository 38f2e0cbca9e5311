"""Sign in and out, language, invitations and member administration."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from auditapp.auth import services, sessions
from auditapp.auth.forms import (
    ROLE_HINTS,
    ROLE_LABELS,
    AcceptInvitationForm,
    InviteForm,
    LanguageForm,
    LoginForm,
    RoleForm,
)
from auditapp.auth.models import Invitation, Membership, Organisation, User
from auditapp.auth.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from auditapp.core.db import utcnow
from auditapp.core.errors import DomainError
from auditapp.core.forms import ActionForm
from auditapp.core.tenancy import (
    Role,
    current_org_id,
    current_role,
    get_in_org_or_404,
    require_role,
)
from auditapp.extensions import db

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


def safe_next(target: str | None) -> str | None:
    """Return target if it is a path on this site, else None (no open redirects)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def _begin_session(user: User, token: str) -> None:
    # A new cookie at sign-in: nothing from before the login carries over.
    locale = session.get("locale")
    session.clear()
    session["sid"] = token
    if locale:
        session["locale"] = locale
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), (
            422 if form.is_submitted() else 200
        )
    try:
        token = services.sign_in(
            email=form.email.data,
            password=form.password.data,
            address=request.remote_addr or "unknown",
            config=current_app.config,
        )
    except services.TooManyAttempts as error:
        db.session.commit()
        form.form_errors.append(str(error))
        response = render_template("auth/login.html", form=form), 429
        return (*response, {"Retry-After": str(error.retry_after)})
    except DomainError as error:
        db.session.commit()  # keep the failure count
        form.form_errors.append(str(error))
        return render_template("auth/login.html", form=form), 422
    user = services.find_user(form.email.data)
    db.session.commit()
    _begin_session(user, token)
    return redirect(safe_next(form.next.data) or url_for("auth.home"), code=303)


@bp.post("/logout")
@login_required
def logout():
    """End this browser's session on the server and clear the cookie."""
    sessions.end_session(session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.get("/")
@login_required
def home():
    """Send each role to where its work is."""
    if current_role().includes(Role.MANAGER):
        return redirect(url_for("journeys.index"))
    return redirect(url_for("audits.index"))


@bp.post("/language")
def set_language():
    """Switch the interface language; remembered for the signed-in user."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        services.set_locale(current_user, form.locale.data)
        db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("auth.home"), code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Let an invited person join: set a name and password, then sign in."""
    invitation = services.open_invitation(token)
    if invitation is None:
        return render_template("auth/invite_invalid.html"), 404
    existing = services.find_user(invitation.email)
    page = {
        "invitation": invitation,
        "existing": existing,
        "org_name": db.session.get(Organisation, invitation.org_id).name,
        "min_length": MIN_PASSWORD_LENGTH,
    }
    form = AcceptInvitationForm()
    if existing:
        form.name.data = form.name.data or existing.name
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/accept.html", form=form, **page), status
    try:
        membership = services.accept_invitation(
            invitation, name=form.name.data, password=form.password.data
        )
        token = sessions.start_session(membership)
    except DomainError as error:
        db.session.rollback()
        form.password.errors = [str(error)]
        return render_template("auth/accept.html", form=form, **page), 422
    db.session.commit()
    _begin_session(membership.user, token)
    flash(_("Welcome to %(org)s!", org=membership.org.name), "success")
    return redirect(url_for("auth.home"), code=303)


# --- administration: admins only ------------------------------------------------


def _members_page(invite_form=None, *, new_link=None, status=200):
    members = (
        db.session.execute(
            select(Membership)
            .where(Membership.org_id == current_org_id())
            .order_by(Membership.active.desc(), Membership.id)
        )
        .scalars()
        .all()
    )
    invitations = (
        db.session.execute(
            select(Invitation)
            .where(
                Invitation.org_id == current_org_id(),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.id)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/members.html",
        members=members,
        invitations=invitations,
        invite_form=invite_form or InviteForm(),
        role_form=RoleForm,
        action_form=ActionForm(),
        role_labels=ROLE_LABELS,
        role_hints=ROLE_HINTS,
        new_link=new_link,
        invite_days=current_app.config["INVITE_LIFETIME"].days,
    ), status


@admin_bp.get("/members")
@login_required
def members():
    """List members and open invitations."""
    require_role(Role.ADMIN)
    return _members_page()


@admin_bp.post("/invitations")
@login_required
def invite():
    """Create an invitation and show its one-time link to copy."""
    require_role(Role.ADMIN)
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(form, status=422)
    try:
        _, token = services.invite(
            current_org_id(),
            email=form.email.data,
            role=Role(form.role.data),
            invited_by=current_user,
            lifetime=current_app.config["INVITE_LIFETIME"],
        )
    except DomainError as error:
        form.email.errors = [str(error)]
        return _members_page(form, status=error.status)
    db.session.commit()
    link = url_for("auth.accept_invitation", token=token, _external=True)
    return _members_page(new_link=link, status=201)


@admin_bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):
    """Make an open invitation link stop working."""
    require_role(Role.ADMIN)
    invitation = get_in_org_or_404(Invitation, invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.revoke_invitation(invitation)
    db.session.commit()
    flash(_("The invitation link no longer works."), "info")
    return redirect(url_for(".members"), code=303)


@admin_bp.post("/members/<int:membership_id>/role")
@login_required
def change_role(membership_id: int):
    """Change a member's role."""
    require_role(Role.ADMIN)
    membership = get_in_org_or_404(Membership, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    services.change_role(membership, role=Role(form.role.data), actor=current_user)
    db.session.commit()
    flash(_("Role changed for %(name)s.", name=membership.user.name), "success")
    return redirect(url_for(".members"), code=303)


@admin_bp.post("/members/<int:membership_id>/<any(disable, enable):action>")
@login_required
def set_active(membership_id: int, action: str):
    """Disable a member (their sessions end at once) or enable them again."""
    require_role(Role.ADMIN)
    membership = get_in_org_or_404(Membership, membership_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_active(membership, active=action == "enable", actor=current_user)
    db.session.commit()
    name = membership.user.name
    if action == "enable":
        flash(_("%(name)s can sign in again.", name=name), "success")
    else:
        flash(
            _("%(name)s is disabled and signed out everywhere.", name=name), "success"
        )
    return redirect(url_for(".members"), code=303)
