"""Representativeness of participants and survey weights."""

from __future__ import annotations

import numpy as np
import pytest

from cocity.compute.equity.representation import mix_shares, representation, wilson
from cocity.compute.equity.weights import post_stratify, rake


@pytest.mark.parametrize(
    ("count", "total", "low", "high"),
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
    # method 3 (Wilson score without continuity correction)
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe(count: int, total: int, low: float, high: float) -> None:
    lo, hi = wilson(count, total)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_measures_by_hand() -> None:
    pop = {"a": 0.5, "b": 0.3, "c": 0.2}
    rep = representation({"a": 60, "b": 30, "c": 10}, pop, draws=200)
    # shares 0.6, 0.3, 0.1; ratios 1.2, 1.0, 0.5
    assert rep.ratio == pytest.approx([1.2, 1.0, 0.5])
    assert rep.measures["min_max"] == pytest.approx(0.5 / 1.2)
    assert rep.measures["min_mean"] == pytest.approx(0.5 / (2.7 / 3))
    assert rep.measures["tvd"] == pytest.approx(0.1)
    assert rep.measures["overlap"] == pytest.approx(0.9)
    lo, hi = rep.measures_ci["tvd"]
    assert lo < 0.1 < hi


def test_an_empty_group_is_measured_not_broken() -> None:
    rep = representation({"a": 40, "b": 0}, {"a": 0.5, "b": 0.5})
    assert rep.measures["min_max"] == 0
    assert rep.measures["tvd"] == pytest.approx(0.5)
    assert rep.share_ci[1][0] == 0
    assert rep.share_ci[1][1] > 0
    nobody = representation({}, {"a": 0.5, "b": 0.5})
    assert nobody.measures == dict.fromkeys(("min_max", "min_mean", "tvd", "overlap"))
    # a group with no population is left out
    assert representation({"a": 3, "z": 9}, {"a": 1.0, "z": 0.0}).groups == ["a"]


def test_intervals_narrow_with_more_participants() -> None:
    pop = {"a": 0.5, "b": 0.5}
    small = representation({"a": 14, "b": 6}, pop, draws=500)
    large = representation({"a": 1400, "b": 600}, pop, draws=500)
    width = lambda r: r.measures_ci["tvd"][1] - r.measures_ci["tvd"][0]  # noqa: E731
    assert width(large) < width(small) / 5


def test_mix_shares_spreads_counts_by_area_composition() -> None:
    mixed = mix_shares({"d1": 100, "d2": 50}, {"d1": [0.5, 0.5], "d2": {"1": 0.2, "2": 0.8}})
    assert mixed == pytest.approx({"1": 60.0, "2": 90.0})


def test_post_stratification_makes_weighted_shares_the_population_shares() -> None:
    pop = {"a": 0.5, "b": 0.3, "c": 0.2}
    counts = {"a": 70, "b": 25, "c": 5}
    ps = post_stratify(counts, pop)
    weighted = {g: counts[g] * w for g, w in ps.weights.items()}
    total = sum(weighted.values())
    assert {g: v / total for g, v in weighted.items()} == pytest.approx(pop)
    assert post_stratify({"a": 3}, {"a": 0.5, "b": 0.5}).uncovered == ["b"]


def test_raking_matches_margins_and_keeps_odds_ratios() -> None:
    seed = np.array([[40.0, 30.0, 20.0], [35.0, 50.0, 100.0], [30.0, 80.0, 70.0]])
    rows, cols = [150.0, 300.0, 200.0], [180.0, 220.0, 250.0]
    fit = rake(seed, [rows, cols])
    assert fit.converged
    assert fit.table.sum(axis=1) == pytest.approx(rows)
    assert fit.table.sum(axis=0) == pytest.approx(cols)

    def odds(t: np.ndarray) -> float:
        return float(t[0, 0] * t[1, 1] / (t[0, 1] * t[1, 0]))

    # IPF preserves cross-product ratios (Mosteller 1968)
    assert odds(fit.table) == pytest.approx(odds(seed))
    assert fit.weights == pytest.approx(fit.table / seed)


def test_raking_an_independent_seed_gives_the_product_of_margins() -> None:
    fit = rake(np.ones((2, 3)), [[30.0, 70.0], [20.0, 30.0, 50.0]])
    assert fit.table == pytest.approx(np.outer([30, 70], [20, 30, 50]) / 100)
    with pytest.raises(ValueError, match="same total"):
        rake(np.ones((2, 2)), [[1.0, 1.0], [1.0, 2.0]])


def test_hour_buckets_tile_the_durations() -> None:
    from cocity.compute.equity.indicators import histogram_median, hour_bucket, hour_bucket_width

    hours = list(range(-2, 2300))
    buckets = [hour_bucket(h) for h in hours]
    for h, b in zip(hours, buckets, strict=True):
        assert b <= max(h, 0) < b + hour_bucket_width(b) or b == 2160
    # a median inside the daily buckets is the middle of its day
    assert histogram_median({200: 3}, hour_bucket_width) == 212
    assert histogram_median({0: 1, 1: 1}) == 1.0
