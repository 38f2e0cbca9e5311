import pytest

from auditapp.audits.models import Rating
from auditapp.audits.scoring import Score, score, total

E, M, P, N, NA = (
    Rating.EXCEEDED,
    Rating.MET,
    Rating.PARTLY,
    Rating.NOT_MET,
    Rating.NOT_APPLICABLE,
)


@pytest.mark.parametrize(
    "ratings,percent,exceeded",
    [
        ([M, M, M, M], 100, 0),
        ([E, M], 100, 1),
        ([M, N], 50, 0),
        ([P, P], 50, 0),
        ([M, P, N], 50, 0),
        ([M, NA, NA], 100, 0),  # not applicable leaves the denominator
        ([NA, NA], None, 0),  # nothing counts: no score, not zero
        ([None, M], 100, 0),  # unanswered is not counted yet
        ([], None, 0),
        ([N, N, N], 0, 0),
        ([E, P, N], 50, 1),
    ],
)
def test_score_of_answers(ratings, percent, exceeded):
    result = score(ratings)

    assert (result.percent, result.exceeded) == (percent, exceeded)


def test_stage_total_weights_by_expectation_not_by_touchpoint():
    one_of_one = score([M])
    one_of_three = score([M, N, N])

    combined = total([one_of_one, one_of_three])

    assert combined == Score(points=2.0, counted=4, exceeded=0)
    assert combined.percent == 50
