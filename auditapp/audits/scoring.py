"""Scores: the share of expectations met, per touchpoint, stage and audit.

Pure functions over plain values (no Flask, no database), so the rule is tested with
tables. Exceeded counts as met, partly counts half, not applicable is left out of the
denominator, and unanswered expectations are not counted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditapp.audits.models import Rating

WEIGHTS = {
    Rating.EXCEEDED: 1.0,
    Rating.MET: 1.0,
    Rating.PARTLY: 0.5,
    Rating.NOT_MET: 0.0,
}


@dataclass(frozen=True)
class Score:
    """Points earned out of the answers that count; share is None with none."""

    points: float
    counted: int
    exceeded: int = 0

    @property
    def share(self) -> float | None:
        """Return points / counted (0…1), or None when nothing counts yet."""
        return self.points / self.counted if self.counted else None

    @property
    def percent(self) -> int | None:
        """Return the share as a whole percentage, or None."""
        share = self.share
        return None if share is None else round(share * 100)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.points + other.points,
            self.counted + other.counted,
            self.exceeded + other.exceeded,
        )


EMPTY = Score(0.0, 0, 0)


def score(ratings: Iterable[Rating | None]) -> Score:
    """Return the score of a set of answers."""
    points, counted, exceeded = 0.0, 0, 0
    for rating in ratings:
        if rating is None or rating is Rating.NOT_APPLICABLE:
            continue
        points += WEIGHTS[rating]
        counted += 1
        exceeded += rating is Rating.EXCEEDED
    return Score(points, counted, exceeded)


def total(scores: Iterable[Score]) -> Score:
    """Return the combined score of several touchpoints or stages."""
    result = EMPTY
    for item in scores:
        result = result + item
    return result
