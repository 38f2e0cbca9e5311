"""Development item forms: workflow status, owner, due date and effort."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from auditapp.core.forms import long_text_field
from auditapp.development.models import ITEM_STATUS_LABELS, TEXT_MAX, ItemStatus
from auditapp.journeys.models import CHANNEL_LABELS, Channel

#: Page sizes a manager can choose; the largest suits a desk and a long scroll.
PAGE_SIZES = (50, 200, 1000)
#: The trend chart draws a point a month; ten years still fits its budget.
MAX_PERIOD_DAYS = 3653
EFFORT_LABELS = {"S": _l("S – small"), "M": _l("M – medium"), "L": _l("L – large")}


def _status_choices():
    return [
        SelectChoice(s.value, ITEM_STATUS_LABELS[s])
        for s in ItemStatus
        if s is not ItemStatus.VERIFIED  # set by a passing audit, not by hand
    ]


class StatusForm(FlaskForm):
    """Move the item in its workflow."""

    status = SelectField(_l("Status"), choices=_status_choices)
    reason = long_text_field(
        _l("Reason (needed for won't fix)"), max_length=TEXT_MAX, required=False
    )


class AssignForm(FlaskForm):
    """Who owns the item, by when, and how big the fix is."""

    owner = SelectField(_l("Owner"), coerce=int, default=0)
    due_date = DateField(_l("Due date"), validators=[Optional()])
    effort = SelectField(
        _l("Effort estimate"),
        choices=[SelectChoice("", _l("Not estimated"))]
        + [SelectChoice(k, v) for k, v in EFFORT_LABELS.items()],
        default="",
    )


class ListFilterForm(FlaskForm):
    """Filters of the list (a GET form: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    status = SelectField(
        _l("Status"),
        choices=lambda: (
            [SelectChoice("", _l("All open"))]
            + [SelectChoice(s.value, ITEM_STATUS_LABELS[s]) for s in ItemStatus]
        ),
        default="",
        validators=[Optional()],
    )
    journey = SelectField(_l("Journey"), coerce=int, default=0)
    stage = SelectField(_l("Stage"), default="", validators=[Optional()])
    channel = SelectField(
        _l("Channel"),
        choices=lambda: (
            [SelectChoice("", _l("All channels"))]
            + [SelectChoice(c.value, CHANNEL_LABELS[c]) for c in Channel]
        ),
        default="",
        validators=[Optional()],
    )
    owner = SelectField(_l("Owner"), coerce=int, default=0)
    severity = SelectField(
        _l("Severity at least"),
        coerce=int,
        choices=lambda: (
            [SelectChoice(0, _l("Any"))] + [SelectChoice(n, str(n)) for n in (2, 3, 4)]
        ),
        default=0,
    )
    overdue = BooleanField(_l("Overdue only"))
    sort = SelectField(
        _l("Order"),
        choices=lambda: [
            SelectChoice("priority", _l("Priority")),
            SelectChoice("due", _l("Due date")),
            SelectChoice("newest", _l("Newest first")),
            SelectChoice("seen", _l("Most audits")),
        ],
        default="priority",
        validators=[Optional()],
    )
    per_page = SelectField(
        _l("Items per page"),
        coerce=int,
        choices=[SelectChoice(n, str(n)) for n in PAGE_SIZES],
        default=PAGE_SIZES[0],
    )


class OverrideForm(FlaskForm):
    """Pin the item to a position in the list, and say why."""

    position = IntegerField(
        _l("Position in the list"),
        validators=[InputRequired(), NumberRange(min=1, max=100_000)],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    reason = long_text_field(
        _l("Why (shown to everyone)"), max_length=TEXT_MAX, required=True
    )


class CommentForm(FlaskForm):
    """A comment on an item."""

    text = long_text_field(_l("Comment"), max_length=TEXT_MAX, required=True)


class DashboardForm(FlaskForm):
    """Which journey and period the dashboard shows (a GET form)."""

    class Meta:
        csrf = False

    journey = SelectField(_l("Journey"), coerce=int, default=0)
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_end(self, field) -> None:
        """The period must run forwards and stay within the charts' reach."""
        if field.data and self.start.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date is before the start date."))
            if (field.data - self.start.data).days > MAX_PERIOD_DAYS:
                raise ValidationError(_l("Choose a period of at most ten years."))
