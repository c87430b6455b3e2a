"""The pure computations of co-creation: progress, word diff, similarity, chart geometry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cocity.compute.cocreation import (
    chart_layout,
    meaningful_words,
    min_shared_words,
    nice_range,
    prefix_words,
    progress_percent,
    similar_items,
    similarity,
    word_diff,
)


def test_progress_is_the_weight_done_over_all_weight() -> None:
    assert progress_percent([(3, True), (1, False)]) == Decimal("75.0")
    assert progress_percent([(1, True), (1, True), (1, False)]) == Decimal("66.7")
    assert progress_percent([(2, False)]) == Decimal("0.0")
    assert progress_percent([]) == Decimal("0.0")
    assert progress_percent([(5, True)]) == Decimal("100.0")


def test_progress_refuses_negative_weights() -> None:
    with pytest.raises(ValueError, match="negative"):
        progress_percent([(-1, True)])


def test_word_diff_rebuilds_both_versions() -> None:
    old = "Install lights on the main street.\nAnd on the square."
    new = "Install solar lights on the main street.\nAnd on the park."
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.op != "added") == old
    assert "".join(s.text for s in segments if s.op != "removed") == new
    assert [s.text.strip() for s in segments if s.op == "added"] == ["solar", "park."]
    assert [s.text.strip() for s in segments if s.op == "removed"] == ["square."]


def test_word_diff_of_equal_texts_is_one_same_segment() -> None:
    segments = word_diff("same words", "same words")
    assert [(s.op, s.text) for s in segments] == [("same", "same words")]
    assert word_diff("", "") == []


def test_similarity_ignores_case_accents_and_stop_words() -> None:
    assert similarity("Más iluminación en la calle", "mas ILUMINACION calle") == 1.0
    assert similarity("Street lighting", "Bus timetable") == 0.0
    assert similarity("", "anything") == 0.0
    assert 0 < similarity("Better street lighting", "More street lighting at night") < 1


def test_similar_items_finds_alike_ideas_best_first() -> None:
    candidates = [
        (1, "Solar street lights in the park", "Put solar lamps along the park paths."),
        (2, "A weekly market", "Stalls on Saturdays."),
        (3, "Street lights", "More street lights in the park at night."),
    ]
    found = similar_items("More street lights in the park", "Lights at night", candidates)
    assert [pk for pk, _ in found] == [3, 1]
    assert found[0][1] >= found[1][1]
    assert similar_items("A weekly market", "", candidates, threshold=0.99) == [(2, 1.0)]
    assert similar_items("Unrelated", "words only", candidates) == []


def test_chart_layout_maps_dates_and_values_into_the_box() -> None:
    chart = chart_layout(
        series=[(date(2026, 3, 1), 20), (date(2026, 2, 1), 10)],
        baseline=0,
        target=40,
        start=date(2026, 1, 1),
        target_date=date(2026, 5, 1),
    )
    (x0, y0), (x1, y1) = chart.target
    assert x0 == chart.left
    assert x1 == chart.right
    assert y0 > y1  # the target is higher than the baseline: drawn further up
    xs = [x for x, _ in chart.actual]
    assert xs == sorted(xs)
    assert chart.left < xs[0] < xs[1] < chart.right
    ys = [y for _, y in chart.actual]
    assert chart.top <= min(ys)
    assert max(ys) <= chart.bottom
    assert len(chart.y_ticks) == 5
    assert chart.actual_points.count(",") == 2


def test_chart_layout_of_a_flat_series_does_not_divide_by_zero() -> None:
    chart = chart_layout(
        series=[(date(2026, 1, 1), 5)],
        baseline=5,
        target=5,
        start=date(2026, 1, 1),
        target_date=date(2026, 1, 1),
    )
    assert chart.target[0][1] == chart.target[1][1]


def test_the_axis_is_widened_to_round_numbers() -> None:
    assert nice_range(40, 95) == (40, 100, 20)
    assert nice_range(0, 40) == (0, 40, 10)
    assert nice_range(57.3, 97.7) == (40, 100, 20)
    assert nice_range(0.12, 0.31) == pytest.approx((0.1, 0.35, 0.05))
    assert nice_range(5, 5) == (4, 6, 0.5)
    chart = chart_layout(
        series=[(date(2026, 2, 1), 61)],
        baseline=40,
        target=95,
        start=date(2026, 1, 1),
        target_date=date(2026, 6, 1),
    )
    assert [label for _, label in chart.y_ticks] == ["40", "60", "80", "100"]


@given(
    a=st.frozensets(st.integers(0, 30), min_size=1, max_size=20),
    b=st.frozensets(st.integers(0, 30), min_size=1, max_size=20),
    threshold=st.sampled_from([0.2, 0.4, 0.5, 0.75]),
)
def test_a_text_alike_enough_shares_at_least_min_shared_words(
    a: frozenset[int], b: frozenset[int], threshold: float
) -> None:
    """The word index's prefilter misses nothing: Jaccard ≥ t implies ⌈t·|a|⌉ shared words."""
    if len(a & b) / len(a | b) >= threshold:
        assert len(a & b) >= min_shared_words(len(a), threshold)


def test_min_shared_words_rounds_up_and_needs_one() -> None:
    assert min_shared_words(10) == 4
    assert min_shared_words(11) == 5
    assert min_shared_words(1) == 1
    assert min_shared_words(0) == 1
    assert meaningful_words("Las FAROLAS de la calle") == {"farolas", "calle"}


@given(
    a=st.frozensets(st.integers(0, 12), min_size=1, max_size=10),
    b=st.frozensets(st.integers(0, 12), min_size=1, max_size=10),
    df=st.dictionaries(st.integers(0, 12), st.integers(0, 9)),
    threshold=st.sampled_from([0.2, 0.4, 0.75]),
    budget=st.integers(0, 60),
)
def test_the_prefix_lookup_misses_no_text_alike_enough(
    a: frozenset[int],
    b: frozenset[int],
    df: dict[int, int],
    threshold: float,
    budget: int,
) -> None:
    """Whatever the budget: a text sharing ``need`` words holds m of the words looked up; the
    text ``b`` is in the index, so every word it holds counts at least itself."""
    words, texts = {f"w{i}" for i in a}, {f"w{i}" for i in b}
    counts = {f"w{i}": n + (f"w{i}" in texts) for i, n in df.items()}
    counts.update({w: counts.get(w, 0) + 1 for w in texts - counts.keys()})
    need = min_shared_words(len(words), threshold)
    lookup, m = prefix_words(words, counts, need, budget)
    assert 1 <= m <= need
    assert set(lookup) <= words
    if len(words & texts) >= need:
        assert len(set(lookup) & texts) >= m
