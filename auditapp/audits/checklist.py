"""Build the form for one touchpoint screen from the audit's pinned expectations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from auditapp.audits.models import HAPPENED_MAX, RATING_LABELS, Rating, TouchpointVisit
from auditapp.core.forms import long_text_field

EMOTIONS = {
    -2: _l("Very bad"),
    -1: _l("Bad"),
    0: _l("Neutral"),
    1: _l("Good"),
    2: _l("Very good"),
}


def _rating_choices():
    return [SelectChoice(r.value, RATING_LABELS[r]) for r in Rating]


def _emotion_choices():
    return [SelectChoice(str(v), label) for v, label in EMOTIONS.items()]


class VisitFormBase(FlaskForm):
    """Fields of every touchpoint screen; a rating field per expectation is added."""

    happened = long_text_field(
        _l("What actually happened?"),
        max_length=HAPPENED_MAX,
        description=_l("Describe the process, not a person: no names of employees."),
    )
    emotion = RadioField(
        _l("How did it feel?"), choices=_emotion_choices, validators=[Optional()]
    )
    response_minutes = IntegerField(
        _l("Minutes"),
        validators=[Optional(), NumberRange(min=0, max=10_080)],
        render_kw={"inputmode": "numeric", "min": 0},
    )
    response_seconds = IntegerField(
        _l("Seconds"),
        validators=[Optional(), NumberRange(min=0, max=59)],
        render_kw={"inputmode": "numeric", "min": 0, "max": 59},
    )

    def rating_fields(self):
        """Return (answer id, field) pairs in the order of the expectations."""
        return [
            (int(name.removeprefix("answer_")), field)
            for name, field in self._fields.items()
            if name.startswith("answer_")
        ]

    def ratings(self) -> dict[int, Rating | None]:
        """Return the chosen rating per answer id (None where left empty)."""
        return {
            answer_id: Rating(field.data) if field.data else None
            for answer_id, field in self.rating_fields()
        }

    def emotion_value(self) -> int | None:
        """Return the emotion as an int, or None."""
        return int(self.emotion.data) if self.emotion.data not in (None, "") else None

    def response_total(self) -> int | None:
        """Return the response time in seconds, or None if nothing was entered."""
        minutes, seconds = self.response_minutes.data, self.response_seconds.data
        if minutes is None and seconds is None:
            return None
        return (minutes or 0) * 60 + (seconds or 0)


def build_checklist_form(visit: TouchpointVisit) -> type[VisitFormBase]:
    """Return a form class with one rating field per expectation of the visit."""
    fields = {
        f"answer_{answer.id}": RadioField(
            answer.text, choices=_rating_choices, validators=[Optional()]
        )
        for answer in visit.answers
    }
    return type("ChecklistForm", (VisitFormBase,), fields)


def fill_from_visit(form: VisitFormBase, visit: TouchpointVisit) -> None:
    """Show what is stored (for a GET of the screen)."""
    for answer in visit.answers:
        form[f"answer_{answer.id}"].data = (
            answer.rating.value if answer.rating else None
        )
    form.happened.data = visit.happened
    form.emotion.data = None if visit.emotion is None else str(visit.emotion)
    if visit.response_seconds is not None:
        form.response_minutes.data, form.response_seconds.data = divmod(
            visit.response_seconds, 60
        )
