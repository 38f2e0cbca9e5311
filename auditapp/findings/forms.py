"""Friction point form: title, description, severity and photos."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from auditapp.core.forms import long_text_field, text_field
from auditapp.findings.models import (
    DESCRIPTION_MAX,
    SEVERITY_LABELS,
    TITLE_MAX,
    Severity,
)


def _severity_choices():
    return [SelectChoice(str(int(s)), SEVERITY_LABELS[s]) for s in Severity]


class FrictionPointForm(FlaskForm):
    """What makes the experience harder here, how badly, and what it looks like."""

    title = text_field(_l("Short title"), max_length=TITLE_MAX)
    description = long_text_field(
        _l("Description"),
        max_length=DESCRIPTION_MAX,
        description=_l("Describe the process, not a person: no names of employees."),
    )
    severity = RadioField(
        _l("Severity"),
        choices=_severity_choices,
        validators=[InputRequired(_l("Choose how serious it is."))],
    )
    answer = HiddenField()
    photo_files = MultipleFileField(
        _l("Photos"),
        render_kw={
            "accept": "image/jpeg,image/png,image/webp",
            "capture": "environment",
        },
    )

    @property
    def severity_value(self) -> Severity:
        """Return the chosen severity."""
        return Severity(int(self.severity.data))


class PhotoForm(FlaskForm):
    """One photo added to an existing friction point (the upload endpoint)."""

    photo = MultipleFileField(_l("Photo"))
