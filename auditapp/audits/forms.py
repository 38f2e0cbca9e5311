"""Forms to start and review audits (the checklist form is in checklist.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, InputRequired

from auditapp.audits.models import COMMENT_MAX, LOCATION_MAX
from auditapp.core.forms import long_text_field, text_field


class StartAuditForm(FlaskForm):
    """Pick the journey, optionally a persona, the place and the day."""

    journey = SelectField(
        _l("Journey"),
        coerce=int,
        validators=[InputRequired(_l("Choose a journey."))],
    )
    persona = SelectField(
        _l("Walk it as (optional)"),
        coerce=int,
        default=0,
        description=_l("A persona to keep in mind while you walk."),
    )
    location = text_field(
        _l("Location or site"),
        max_length=LOCATION_MAX,
        required=False,
        description=_l("E.g. the store, branch or web address you audit."),
    )
    audit_date = DateField(_l("Date"), validators=[DataRequired(_l("Give the date."))])


class ReturnForm(FlaskForm):
    """Send an audit back to its auditor: say why."""

    comment = long_text_field(
        _l("What should the auditor fix?"), max_length=COMMENT_MAX, required=True
    )
