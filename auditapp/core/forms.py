"""Form building blocks shared by every domain: text that is safe to store."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

# C0 control characters other than tab, newline and carriage return: PostgreSQL refuses
# NUL in text, and the others only ever arrive by accident or attack.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def has_control_characters(text: str) -> bool:
    """Return whether text holds NUL or another control character we refuse."""
    return bool(_CONTROL.search(text))


def no_control_characters(form, field) -> None:
    """Reject NUL and other control characters with a message for the user."""
    if field.data and has_control_characters(field.data):
        raise ValidationError(_l("Remove the invisible control characters."))


def _text_checks(max_length: int, required: bool) -> list:
    first = DataRequired(_l("This field is required.")) if required else Optional()
    return [
        first,
        Length(max=max_length, message=_l("Use at most %(max)d characters.")),
        no_control_characters,
    ]


def text_field(label, *, max_length: int, required: bool = True, **kwargs):
    """Return a one-line text field, stripped, length-checked and control-free."""
    return StringField(
        label,
        validators=_text_checks(max_length, required),
        filters=[_strip],
        render_kw={"maxlength": max_length, **kwargs.pop("render_kw", {})},
        **kwargs,
    )


def long_text_field(label, *, max_length: int, required: bool = False, **kwargs):
    """Return a multi-line text field with the same checks as text_field."""
    return TextAreaField(
        label,
        validators=_text_checks(max_length, required),
        filters=[_strip],
        render_kw={"maxlength": max_length, "rows": 4},
        **kwargs,
    )


class ActionForm(FlaskForm):
    """A form with no fields: a CSRF-protected button (move, archive, delete)."""
