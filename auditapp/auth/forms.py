"""Sign-in, invitation and member forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from auditapp.core.forms import text_field
from auditapp.core.tenancy import Role

ROLE_LABELS = {
    Role.AUDITOR: _l("Auditor"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Admin"),
}
ROLE_HINTS = {
    Role.AUDITOR: _l("walks audits"),
    Role.MANAGER: _l("designs journeys, reviews audits, owns the development list"),
    Role.ADMIN: _l("also manages the organisation and its users"),
}


def _role_choices():
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


def _email_field(*, check_format: bool = True):
    validators = [
        DataRequired(_l("This field is required.")),
        Length(max=254, message=_l("Use at most %(max)d characters.")),
    ]
    if check_format:
        validators.append(
            Email(
                message=_l("Enter a valid e-mail address."), check_deliverability=False
            )
        )
    return EmailField(
        _l("E-mail address"),
        validators=validators,
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )


class LoginForm(FlaskForm):
    """Sign in with e-mail and password."""

    # Any stored address may sign in; the format was checked when it was invited.
    email = _email_field(check_format=False)
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("This field is required.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class InviteForm(FlaskForm):
    """Invite a person to the organisation in a role."""

    email = _email_field()
    role = SelectField(_l("Role"), choices=_role_choices, default=Role.AUDITOR.value)


class RoleForm(FlaskForm):
    """Change a member's role."""

    role = SelectField(_l("Role"), choices=_role_choices)


class AcceptInvitationForm(FlaskForm):
    """Join an organisation: name and password (or the existing account's password)."""

    name = text_field(
        _l("Your name"), max_length=200, render_kw={"autocomplete": "name"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("This field is required.")), Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(FlaskForm):
    """Choose the interface language."""

    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("fi", "Suomi"), SelectChoice("en", "English")],
    )
    next = HiddenField()
