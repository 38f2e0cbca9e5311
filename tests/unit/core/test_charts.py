"""Chart geometry: bars and lines placed from labelled numbers, within budget."""

import pytest

from auditapp.core.charts import (
    MAX_BAR_ROWS,
    MAX_LINE_POINTS,
    bar_chart,
    line_chart,
)


@pytest.mark.parametrize(
    ("value", "scale_max", "fraction"),
    [
        (0.0, 1.0, 0.0),
        (0.5, 1.0, 0.5),
        (1.0, 1.0, 1.0),
        (1.5, 1.0, 1.0),  # beyond the scale: drawn full length
        (-0.2, 1.0, 0.0),
        (1.0, 2.0, 0.5),
        (None, 1.0, None),
    ],
)
def test_bar_length_is_the_value_on_the_scale(value, scale_max, fraction):
    chart = bar_chart([("A", value, "x")], scale_max=scale_max)

    bar = chart.bars[0]
    assert bar.fraction == fraction
    assert bar.bar_width == (
        0.0 if fraction is None else round(fraction * chart.track_width, 1)
    )


def test_bars_stack_downwards_and_the_chart_grows_with_them():
    chart = bar_chart([("A", 0.1, "10%"), ("B", 0.2, "20%"), ("C", 0.3, "30%")])

    assert [b.y for b in chart.bars] == [0, 34, 68]
    assert chart.height == 3 * 34
    assert [b.label for b in chart.bars] == ["A", "B", "C"]


def test_marker_sits_at_its_value_and_is_left_out_off_the_scale():
    assert bar_chart([("A", 1, "")], scale_max=2, marker=1).marker_x == pytest.approx(
        bar_chart([("A", 1, "")]).track_width / 2, abs=0.1
    )
    assert bar_chart([("A", 1, "")], scale_max=2, marker=3).marker_x is None


def test_bar_chart_refuses_more_rows_than_the_budget_allows():
    rows = [(str(n), 0.5, "") for n in range(MAX_BAR_ROWS + 1)]

    with pytest.raises(ValueError, match="at most"):
        bar_chart(rows)
    assert len(bar_chart(rows[:-1]).bars) == MAX_BAR_ROWS


def test_line_keeps_slots_for_missing_values_and_clamps_to_the_scale():
    chart = line_chart(
        [("a", -2, ""), ("b", None, ""), ("c", 2, ""), ("d", 5, "")],
        low=-2,
        high=2,
        reference=0,
    )

    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert [p.label for p in chart.points] == ["a", "c", "d"]
    assert xs[1] - xs[0] == pytest.approx(2 * (xs[2] - xs[1]), abs=0.2)
    assert ys[0] > chart.reference_y > ys[1] == ys[2]  # SVG y grows downwards
    assert (chart.first_label, chart.last_label) == ("a", "d")
    assert chart.polyline.count(",") == 3


def test_line_chart_checks_its_scale_and_size():
    with pytest.raises(ValueError):
        line_chart([("a", 1, "")], low=1, high=1)
    with pytest.raises(ValueError):
        line_chart([(str(n), 1, "") for n in range(MAX_LINE_POINTS + 1)], low=0, high=2)
    assert line_chart([], low=0, high=1).points == []
