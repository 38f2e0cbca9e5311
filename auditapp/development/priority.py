"""Priority of a development item: one formula, pure functions, no Flask, no database.

    score = severity weight × frequency factor × criticality factor ÷ effort divisor

- **Severity weight = 3 ** (severity − 1)**, so 1, 3, 9, 27 for severity 1 (cosmetic)
  to 4 (blocks the customer), taken from the item's worst friction point. Severity
  counts most, so it grows geometrically: each step is worth ×3.
- **Frequency factor = 1 + log2(audits seen)**, so 1, 2, 2.58, 3 … 4.32 at 10 audits.
  It counts distinct audits, not friction points, so one auditor writing the same thing
  twice does not inflate it. Diminishing returns: the second sighting matters most
  (it shows the problem is not a one-off), and after that each *doubling* adds one.
  A square root would keep growing too fast (10 audits ≈ ×3.2, 100 audits ×10).
- **Criticality factor = 1.0, 1.5, 2.0** for touchpoint criticality 1 (normal),
  2 (important), 3 (critical). A critical moment doubles the score, but it is worth
  less than one severity step.
- **Effort divisor = 1.0, 1.5, 2.0** for the manager's estimate S, M, L. Cheap fixes
  rise; a large one halves. When there is no estimate the item counts as M, so
  estimating does not penalise an item: S raises it, L lowers it.

What a manager can rely on, and the tests check:

- A single blocker (27) outranks a cosmetic issue seen in 10 audits (4.32) whatever
  the touchpoints and efforts: criticality and effort together can shift two items by
  at most ×4, and 27 / 4 = 6.75 stays above 1 + log2(n) up to about 50 audits.
- One severity step equals going from one audit to four: a serious finding seen in
  four audits ties with the same blocker seen once, and ties go to the higher severity.

The score is rounded to one decimal, and ranking uses that rounded score, so the order
never contradicts the numbers the list shows. Equal scores are ordered by higher
severity, then more audits, then the item's key, so the list is stable between loads.
A manager's override pins an item to a position; the mandatory reason is stored by
the service, not here.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

SEVERITY_RANGE = range(1, 5)
CRITICALITY_RANGE = range(1, 4)
#: Criticality 1 normal, 2 important, 3 critical.
CRITICALITY_FACTORS = {1: 1.0, 2: 1.5, 3: 2.0}
#: Decimals kept in the score; ranking compares the rounded value.
SCORE_DECIMALS = 1


class Effort(enum.StrEnum):
    """The manager's estimate of the work an item takes."""

    S = "S"
    M = "M"
    L = "L"

    @property
    def divisor(self) -> float:
        """Return what the score is divided by for this effort."""
        return EFFORT_DIVISORS[self]


EFFORT_DIVISORS = {Effort.S: 1.0, Effort.M: 1.5, Effort.L: 2.0}
#: Unestimated items count as medium, so estimating is not a penalty.
DEFAULT_EFFORT = Effort.M


def _check_int(name: str, value: object, allowed: range) -> None:
    # bool is an int subclass; True as a severity is a bug, not a 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{name} must be in {allowed.start}…{allowed.stop - 1}")


@dataclass(frozen=True)
class ItemFacts:
    """The plain values a development item's priority is computed from."""

    #: Highest severity of the item's friction points, 1 cosmetic … 4 blocking
    severity: int
    #: How many distinct audits saw it (at least one)
    audits_seen: int
    #: The touchpoint's criticality, 1 normal … 3 critical
    criticality: int
    #: The manager's estimate, or None when nobody has estimated it yet
    effort: Effort | None = None

    def __post_init__(self) -> None:
        _check_int("severity", self.severity, SEVERITY_RANGE)
        _check_int("audits_seen", self.audits_seen, range(1, 2**31))
        _check_int("criticality", self.criticality, CRITICALITY_RANGE)
        if self.effort is not None and not isinstance(self.effort, Effort):
            raise TypeError("effort must be an Effort or None")


@dataclass(frozen=True)
class Priority:
    """A score with the factors it was made of, for showing the breakdown."""

    facts: ItemFacts
    severity_weight: int
    frequency_factor: float
    criticality_factor: float
    effort_divisor: float
    score: float

    @property
    def effort_estimated(self) -> bool:
        """Return whether the divisor came from an estimate rather than the default."""
        return self.facts.effort is not None


def severity_weight(severity: int) -> int:
    """Return 3 ** (severity − 1): 1, 3, 9, 27."""
    return 3 ** (severity - 1)


def frequency_factor(audits_seen: int) -> float:
    """Return 1 + log2(audits_seen): each doubling of audits adds one."""
    return 1 + math.log2(audits_seen)


def score(facts: ItemFacts) -> Priority:
    """Compute an item's priority and keep the factors for the breakdown."""
    weight = severity_weight(facts.severity)
    frequency = frequency_factor(facts.audits_seen)
    criticality = CRITICALITY_FACTORS[facts.criticality]
    divisor = (facts.effort or DEFAULT_EFFORT).divisor
    value = weight * frequency * criticality / divisor
    return Priority(
        facts=facts,
        severity_weight=weight,
        frequency_factor=frequency,
        criticality_factor=criticality,
        effort_divisor=divisor,
        score=round(value, SCORE_DECIMALS),
    )


@dataclass(frozen=True)
class Scored(Generic[K]):
    """An item already scored (the list keeps the score in a column)."""

    key: K
    score: float
    severity: int
    audits_seen: int


def _automatic_order(items: Sequence[Scored[K]]) -> list[K]:
    def sort_key(item: Scored[K]) -> tuple:
        return (-item.score, -item.severity, -item.audits_seen, item.key)

    return [item.key for item in sorted(items, key=sort_key)]


def rank(
    items: Sequence[tuple[K, ItemFacts]],
    overrides: Mapping[K, int] | None = None,
) -> list[K]:
    """Return the keys, highest priority first, with overridden items pinned.

    ``overrides`` maps a key to a 1-based position chosen by a manager. Pinned items
    are placed from the lowest position up; a position past the end means last, and
    items pinned to the same position keep their automatic order. Keys must be
    hashable, unique and mutually orderable (the last tie-break). Raises ValueError
    for a duplicate key, an override of an unknown key or a position below 1.
    """
    return order(
        [
            Scored(key, score(facts).score, facts.severity, facts.audits_seen)
            for key, facts in items
        ],
        overrides,
    )


def order(
    items: Sequence[Scored[K]], overrides: Mapping[K, int] | None = None
) -> list[K]:
    """Like :func:`rank`, for items whose score was computed (and stored) earlier."""
    automatic = _automatic_order(items)
    if len(set(automatic)) != len(automatic):
        raise ValueError("each item must have its own key")
    overrides = overrides or {}
    unknown = set(overrides) - set(automatic)
    if unknown:
        raise ValueError(f"overrides for unknown items: {sorted(unknown)!r}")
    if any(position < 1 for position in overrides.values()):
        raise ValueError("override positions start at 1")

    automatic_index = {key: index for index, key in enumerate(automatic)}
    pinned = sorted(overrides, key=lambda k: (overrides[k], automatic_index[k]))
    result = [key for key in automatic if key not in overrides]
    last = -1
    for key in pinned:
        # Never in front of an earlier pin: two pins at one position stack up.
        index = min(max(overrides[key] - 1, last + 1), len(result))
        result.insert(index, key)
        last = index
    return result
