"""Number, duration and month formats in both languages."""

from datetime import date

import pytest
from flask_babel import force_locale

from auditapp.core.i18n import (
    duration_format,
    month_format,
    pairs_format,
    share_format,
    signed_format,
)


@pytest.mark.parametrize(
    ("seconds", "en", "fi"),
    [
        (None, "–", "–"),
        (45, "45 s", "45 s"),
        (60, "1 min", "1 min"),
        (117.4, "1 min 57 s", "1 min 57 s"),
        (3600, "1 h", "1 h"),
        (28997, "8 h 3 min", "8 h 3 min"),
        (86400, "1 d", "1 vrk"),
        (92823, "1 d 1 h", "1 vrk 1 h"),
    ],
)
def test_durations_read_naturally(app, seconds, en, fi):
    with app.test_request_context(), force_locale("en"):
        assert duration_format(seconds) == en
    with app.test_request_context(), force_locale("fi"):
        assert duration_format(seconds) == fi


def test_shares_emotions_and_months_follow_the_language(app):
    with app.test_request_context(), force_locale("fi"):
        assert share_format(0.615).replace("\xa0", " ") == "62 %"
        assert signed_format(1.26) == "+1,3"
        assert signed_format(-0.5) == "−0,5"
        assert month_format(date(2026, 3, 1)) == "maaliskuu 2026"
    with app.test_request_context(), force_locale("en"):
        assert share_format(None) == "–"
        assert signed_format(0) == "±0.0"
        assert month_format(date(2026, 3, 1)) == "March 2026"


def test_pairs_describe_a_chart_and_insist_on_equal_lengths():
    assert pairs_format(["a", "b"], ["1", "2"]) == "a: 1; b: 2"
    with pytest.raises(ValueError):
        pairs_format(["a"], ["1", "2"])
