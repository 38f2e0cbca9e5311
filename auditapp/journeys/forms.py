"""Journey designer forms: they shape and check input, nothing more."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from auditapp.core.forms import long_text_field, text_field
from auditapp.journeys.models import (
    CHANNEL_LABELS,
    DESCRIPTION_MAX,
    EXPECTATION_MAX,
    NAME_MAX,
    NEED_MAX,
    PERSONA_TEXT_MAX,
    TARGET_SECONDS_MAX,
    Channel,
)

TIME_UNITS = {"s": 1, "min": 60, "h": 3600}


class JourneyForm(FlaskForm):
    """A journey's name and description."""

    name = text_field(_l("Name"), max_length=NAME_MAX)
    description = long_text_field(_l("Description"), max_length=DESCRIPTION_MAX)


class StageForm(FlaskForm):
    """A stage's name."""

    name = text_field(_l("Stage name"), max_length=NAME_MAX)


class ExpectationForm(FlaskForm):
    """One checklist item: what the customer expects here."""

    text = long_text_field(_l("Expectation"), max_length=EXPECTATION_MAX, required=True)


def _channel_choices():
    return [SelectChoice(channel.value, CHANNEL_LABELS[channel]) for channel in Channel]


class TouchpointForm(FlaskForm):
    """A touchpoint's fields; the target time is entered as a number and a unit."""

    name = text_field(_l("Name"), max_length=NAME_MAX)
    channel = SelectField(
        _l("Channel"),
        choices=_channel_choices,
        validate_choice=True,
    )
    customer_need = long_text_field(
        _l("Customer need"),
        max_length=NEED_MAX,
        description=_l("What the customer tries to do or find out here."),
    )
    criticality = RadioField(
        _l("Criticality"),
        choices=[
            SelectChoice("1", _l("1 – normal")),
            SelectChoice("2", _l("2 – important")),
            SelectChoice("3", _l("3 – critical moment")),
        ],
        default="2",
    )
    target_value = IntegerField(
        _l("Target response time"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100_000, message=_l("Enter a whole number from 1.")),
        ],
        description=_l("Only for phone, e-mail and chat: how fast should we answer?"),
        render_kw={"inputmode": "numeric", "min": 1},
    )
    target_unit = SelectField(
        _l("Unit"),
        choices=[
            SelectChoice("s", _l("seconds")),
            SelectChoice("min", _l("minutes")),
            SelectChoice("h", _l("hours")),
        ],
        default="min",
    )

    def validate_target_value(self, field) -> None:
        """Allow a target only where speed matters, and at most a week."""
        if field.data is None:
            return
        if self.channel.data and not Channel(self.channel.data).speed_matters:
            raise ValidationError(
                _l("A target response time applies to phone, e-mail and chat.")
            )
        if field.data * TIME_UNITS.get(self.target_unit.data, 1) > TARGET_SECONDS_MAX:
            raise ValidationError(_l("Use at most one week."))

    @property
    def target_seconds(self) -> int | None:
        """Return the target response time in seconds, or None."""
        if self.target_value.data is None:
            return None
        return self.target_value.data * TIME_UNITS[self.target_unit.data]

    def show_target(self, seconds: int | None) -> None:
        """Fill the number and unit fields from a stored target in seconds."""
        if seconds is None:
            return
        for unit in ("h", "min", "s"):
            if seconds % TIME_UNITS[unit] == 0:
                self.target_value.data = seconds // TIME_UNITS[unit]
                self.target_unit.data = unit
                return


class PersonaForm(FlaskForm):
    """A customer profile."""

    name = text_field(_l("Name"), max_length=NAME_MAX)
    description = long_text_field(
        _l("Who they are"),
        max_length=PERSONA_TEXT_MAX,
    )
    goal = long_text_field(
        _l("Their goal"),
        max_length=PERSONA_TEXT_MAX,
        description=_l("What problem does our service solve for them?"),
    )
    values = long_text_field(_l("What they value most"), max_length=PERSONA_TEXT_MAX)
    why_buy = long_text_field(_l("Why they buy from us"), max_length=PERSONA_TEXT_MAX)


class ImportForm(FlaskForm):
    """Upload a journey file exported from Polku."""

    file = FileField(
        _l("Journey file (.json)"),
        validators=[FileRequired(_l("Choose a file."))],
        render_kw={"accept": "application/json,.json"},
    )


class MoveForm(FlaskForm):
    """Move an item one step up or down."""

    direction = SelectField(
        choices=[SelectChoice("up", "up"), SelectChoice("down", "down")]
    )
