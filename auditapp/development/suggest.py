"""Suggest likely duplicates of a friction point; a person decides, nothing merges here.

Only findings from the same place are compared: the same touchpoint, or, when the
touchpoints differ or are missing, the same channel and stage. Two texts about "the
queue" in the store and on the phone line are different problems however alike they
read, and leaving them out also keeps the number of comparisons small.

Text similarity is rapidfuzz's ``fuzz.token_sort_ratio`` on normalised text (Unicode
NFKC, so a decomposed "ä" from a phone keyboard equals a composed one; case-folded;
punctuation to spaces), blended half title, half title + description:

- Sorting the words first makes word order free, which Finnish uses freely
  ("Iltaisin chat ei vastaa" for "Chat ei vastaa iltaisin").
- The Indel distance underneath compares characters, so a typo or another case ending
  of the same stem ("kassalla", "kassajonossa", "hyllyistä") costs a few points, not
  the whole word.
- Titles carry the problem; descriptions carry circumstances, which differ between
  auditors even for the same issue. When either description is blank, the titles
  alone decide, so a quickly logged finding is not penalised (titles alone are
  noisier: on the fixture about 10 false pairs per 200 findings instead of 1).

The scorer, weight and threshold were tuned on the fixture in
``tests/unit/development/test_suggest.py`` (200 findings, 40 planted near-duplicates,
20 seeds). At about 96 % of planted originals found, false pairs per 200 findings
were: token_sort_ratio 1, token_set_ratio 3, partial_ratio 31, WRatio 86. The last
two reward a short text found inside a longer one, so unrelated findings that share
a few words ("ei", "chat", "the") scored like duplicates. At the default threshold
recall is about 96 %; a threshold of 60 gives about 88 % and fewer false pairs.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

#: Share of the similarity that comes from the title alone.
TITLE_WEIGHT = 0.5
#: Suggestions below this similarity (0–100) are not shown. A false suggestion costs
#: one tap on "different"; a missed one costs a duplicate item, so lean to recall.
DEFAULT_THRESHOLD = 55.0


class Reason(enum.StrEnum):
    """Why a candidate was compared at all."""

    SAME_TOUCHPOINT = "same touchpoint"
    SAME_CHANNEL_AND_STAGE = "same channel and stage"


@dataclass(frozen=True)
class FindingText:
    """The parts of a friction point that duplicate detection looks at."""

    key: Hashable
    title: str
    description: str
    touchpoint_id: int | None
    channel: str
    stage_name: str


@dataclass(frozen=True)
class Suggestion:
    """A candidate that may describe the same issue, for a person to confirm."""

    key: Hashable
    #: 0–100, one decimal
    similarity: float
    reason: Reason


def normalise(text: str) -> str:
    """Return text in the form the scorers compare: NFKC, lower case, no punctuation."""
    return utils.default_process(unicodedata.normalize("NFKC", text).casefold())


def _same_label(a: str, b: str) -> bool:
    # Two blanks are not a match: "unknown stage" says nothing about the place.
    a, b = " ".join(a.casefold().split()), " ".join(b.casefold().split())
    return bool(a) and a == b


def _reason(new: FindingText, other: FindingText) -> Reason | None:
    if new.touchpoint_id is not None and new.touchpoint_id == other.touchpoint_id:
        return Reason.SAME_TOUCHPOINT
    if _same_label(new.channel, other.channel) and _same_label(
        new.stage_name, other.stage_name
    ):
        return Reason.SAME_CHANNEL_AND_STAGE
    return None


def similarity(a: FindingText, b: FindingText) -> float:
    """Return how alike two findings read, 0–100."""
    title_a, title_b = normalise(a.title), normalise(b.title)
    titles = fuzz.token_sort_ratio(title_a, title_b)
    description_a, description_b = normalise(a.description), normalise(b.description)
    if not (description_a and description_b):
        return titles
    full = fuzz.token_sort_ratio(
        f"{title_a} {description_a}", f"{title_b} {description_b}"
    )
    return TITLE_WEIGHT * titles + (1 - TITLE_WEIGHT) * full


def suggest_duplicates(
    new: FindingText,
    candidates: Sequence[FindingText],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Suggestion]:
    """Return candidates that may be the same issue as ``new``, most similar first.

    Only candidates at the same touchpoint, or in the same channel and stage, are
    considered; ``new`` itself (same key) is skipped. Nothing is changed or merged:
    the caller shows the suggestions and a person answers "same issue" or "different".
    """
    found: list[tuple[float, int, int, Suggestion]] = []
    for index, other in enumerate(candidates):
        reason = _reason(new, other)
        if reason is None or other.key == new.key:
            continue
        value = round(similarity(new, other), 1)
        if value >= threshold:
            rank_of_reason = 0 if reason is Reason.SAME_TOUCHPOINT else 1
            found.append(
                (-value, rank_of_reason, index, Suggestion(other.key, value, reason))
            )
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found]
