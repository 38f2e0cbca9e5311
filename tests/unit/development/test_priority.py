import itertools
import math

import pytest

from auditapp.development.priority import Effort, ItemFacts, Priority, rank, score

S, M, L = Effort.S, Effort.M, Effort.L
EFFORTS = [S, M, L, None]


@pytest.mark.parametrize(
    "severity,audits,criticality,effort,expected",
    [
        (1, 1, 1, S, 1.0),  # the floor: every factor at 1
        (1, 1, 1, None, 0.7),  # unestimated counts as M: 1 / 1.5
        (1, 1, 1, L, 0.5),
        (1, 1, 3, None, 1.3),
        (1, 10, 1, S, 4.3),  # 1 + log2(10) = 4.32
        (2, 2, 2, L, 4.5),  # 3 × 2 × 1.5 / 2
        (2, 8, 1, L, 6.0),  # 3 × 4 × 1 / 2
        (3, 3, 2, M, 23.3),  # 9 × 2.585 × 1.5 / 1.5
        (3, 4, 3, M, 36.0),  # the example: 9 × 3 × 2 / 1.5
        (4, 1, 1, L, 13.5),
        (4, 1, 3, S, 54.0),
        (4, 10, 3, S, 233.4),  # 27 × 4.32 × 2
    ],
)
def test_score_of_facts(severity, audits, criticality, effort, expected):
    facts = ItemFacts(severity, audits, criticality, effort)

    assert score(facts).score == expected


def test_score_keeps_the_factors_for_the_breakdown():
    facts = ItemFacts(severity=3, audits_seen=4, criticality=3, effort=M)

    result = score(facts)

    assert result == Priority(
        facts=facts,
        severity_weight=9,
        frequency_factor=3.0,
        criticality_factor=2.0,
        effort_divisor=1.5,
        score=36.0,
    )
    assert result.effort_estimated


def test_score_without_an_estimate_counts_as_medium_effort():
    unestimated = score(ItemFacts(severity=2, audits_seen=3, criticality=2))
    medium = score(ItemFacts(severity=2, audits_seen=3, criticality=2, effort=M))

    assert (unestimated.score, unestimated.effort_divisor) == (
        medium.score,
        medium.effort_divisor,
    )
    assert not unestimated.effort_estimated


@pytest.mark.parametrize("severity,weight", [(1, 1), (2, 3), (3, 9), (4, 27)])
def test_severity_weight_triples_per_step(severity, weight):
    assert score(ItemFacts(severity, 1, 1, S)).severity_weight == weight


@pytest.mark.parametrize(
    "audits,factor", [(1, 1.0), (2, 2.0), (4, 3.0), (8, 4.0), (10, 1 + math.log2(10))]
)
def test_frequency_factor_has_diminishing_returns(audits, factor):
    assert score(ItemFacts(1, audits, 1, S)).frequency_factor == factor


@pytest.mark.parametrize("criticality,factor", [(1, 1.0), (2, 1.5), (3, 2.0)])
def test_criticality_factor(criticality, factor):
    assert score(ItemFacts(1, 1, criticality, S)).criticality_factor == factor


@pytest.mark.parametrize("effort,divisor", [(S, 1.0), (M, 1.5), (L, 2.0)])
def test_effort_divisor(effort, divisor):
    assert effort.divisor == divisor
    assert score(ItemFacts(1, 1, 1, effort)).effort_divisor == divisor


@pytest.mark.parametrize(
    "lower,higher",
    [
        (ItemFacts(1, 3, 2, M), ItemFacts(2, 3, 2, M)),
        (ItemFacts(3, 3, 2, M), ItemFacts(4, 3, 2, M)),
        (ItemFacts(2, 1, 2, M), ItemFacts(2, 2, 2, M)),
        (ItemFacts(2, 9, 2, M), ItemFacts(2, 10, 2, M)),
        (ItemFacts(2, 3, 1, M), ItemFacts(2, 3, 2, M)),
        (ItemFacts(2, 3, 2, M), ItemFacts(2, 3, 3, M)),
        (ItemFacts(2, 3, 2, L), ItemFacts(2, 3, 2, M)),
        (ItemFacts(2, 3, 2, M), ItemFacts(2, 3, 2, S)),
    ],
)
def test_score_rises_with_each_factor(lower, higher):
    assert score(lower).score < score(higher).score


@pytest.mark.parametrize(
    "blocker_ctx,cosmetic_ctx",
    list(
        itertools.product(
            itertools.product([1, 2, 3], EFFORTS), itertools.product([1, 2, 3], EFFORTS)
        )
    ),
)
def test_single_blocker_outranks_cosmetic_seen_in_ten_audits_in_any_context(
    blocker_ctx, cosmetic_ctx
):
    blocker = ItemFacts(4, 1, *blocker_ctx)
    cosmetic = ItemFacts(1, 10, *cosmetic_ctx)

    assert rank([("cosmetic", cosmetic), ("blocker", blocker)]) == [
        "blocker",
        "cosmetic",
    ]


def test_rank_orders_by_score_highest_first():
    items = [
        ("a", ItemFacts(1, 1, 1, S)),  # 1.0
        ("b", ItemFacts(3, 4, 3, M)),  # 36.0
        ("c", ItemFacts(2, 2, 2, L)),  # 4.5
        ("d", ItemFacts(4, 1, 1, L)),  # 13.5
    ]

    assert rank(items) == ["b", "d", "c", "a"]


@pytest.mark.parametrize(
    "first,second",
    [
        # Equal score 27.0: the higher severity wins.
        (ItemFacts(4, 1, 2, M), ItemFacts(3, 4, 2, M)),
        # Equal score 6.0 and severity: more audits win.
        (ItemFacts(2, 2, 1, S), ItemFacts(2, 1, 3, S)),
    ],
)
def test_rank_breaks_score_ties_by_severity_then_audits(first, second):
    assert score(first).score == score(second).score

    assert rank([("x", second), ("y", first)]) == ["y", "x"]


def test_rank_breaks_full_ties_by_key_whatever_the_input_order():
    facts = ItemFacts(2, 3, 2, M)
    items = [(3, facts), (1, facts), (2, facts)]

    assert rank(items) == [1, 2, 3]
    assert rank(list(reversed(items))) == [1, 2, 3]


def test_rank_with_no_items_is_empty():
    assert rank([]) == []


# Automatic order of these: b (36.0), d (13.5), c (4.5), a (1.0).
ITEMS = [
    ("a", ItemFacts(1, 1, 1, S)),
    ("b", ItemFacts(3, 4, 3, M)),
    ("c", ItemFacts(2, 2, 2, L)),
    ("d", ItemFacts(4, 1, 1, L)),
]


@pytest.mark.parametrize(
    "overrides,expected",
    [
        (None, ["b", "d", "c", "a"]),
        ({}, ["b", "d", "c", "a"]),
        ({"a": 1}, ["a", "b", "d", "c"]),
        ({"b": 4}, ["d", "c", "a", "b"]),
        ({"b": 99}, ["d", "c", "a", "b"]),  # past the end means last
        ({"a": 2}, ["b", "a", "d", "c"]),
        ({"a": 1, "c": 2}, ["a", "c", "b", "d"]),
        ({"c": 3, "a": 1}, ["a", "b", "c", "d"]),
        ({"a": 1, "c": 1}, ["c", "a", "b", "d"]),  # same position: automatic order
        ({"b": 1}, ["b", "d", "c", "a"]),  # pinning to where it is changes nothing
    ],
)
def test_rank_pins_overridden_items_to_their_position(overrides, expected):
    assert rank(ITEMS, overrides) == expected


@pytest.mark.parametrize(
    "items,overrides,message",
    [
        ([("a", ItemFacts(1, 1, 1)), ("a", ItemFacts(2, 1, 1))], None, "own key"),
        (ITEMS, {"z": 1}, "unknown"),
        (ITEMS, {"a": 0}, "start at 1"),
    ],
)
def test_rank_rejects_bad_input(items, overrides, message):
    with pytest.raises(ValueError, match=message):
        rank(items, overrides)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"severity": 0},
        {"severity": 5},
        {"audits_seen": 0},
        {"audits_seen": -2},
        {"criticality": 0},
        {"criticality": 4},
    ],
)
def test_item_facts_out_of_range_raise_value_error(kwargs):
    values = {"severity": 2, "audits_seen": 1, "criticality": 2} | kwargs

    with pytest.raises(ValueError):
        ItemFacts(**values)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"severity": "3"},
        {"severity": 3.0},
        {"severity": True},
        {"audits_seen": None},
        {"effort": "M"},
    ],
)
def test_item_facts_of_the_wrong_type_raise_type_error(kwargs):
    values = {"severity": 2, "audits_seen": 1, "criticality": 2} | kwargs

    with pytest.raises(TypeError):
        ItemFacts(**values)
