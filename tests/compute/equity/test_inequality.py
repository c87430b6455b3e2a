"""Inequality measures against worked examples and PySAL's `inequality` (recorded answers)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from cocity.compute.equity.inequality import (
    concentration_index,
    fractional_rank,
    gini,
    theil,
    theil_decomposition,
)

PYSAL = json.loads((Path(__file__).parent / "pysal_inequality.json").read_text())["answers"]


def test_gini_of_one_to_five_is_four_fifteenths() -> None:
    # the classic example: mean absolute difference 1.6 over twice the mean 3
    assert gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15)


def test_gini_and_theil_of_equal_values_are_zero_and_of_one_holder_are_maximal() -> None:
    assert gini([7, 7, 7]) == pytest.approx(0)
    assert theil([7, 7, 7]) == pytest.approx(0)
    # everything held by one of four: Gini (n - 1) / n, Theil ln n (Theil 1967)
    assert gini([0, 0, 0, 10]) == pytest.approx(3 / 4)
    assert theil([0, 0, 0, 10]) == pytest.approx(math.log(4))


def test_population_weights_equal_repeating_each_area_by_its_population() -> None:
    values, weights = [3.0, 10.0, 1.5, 6.0], [2, 5, 1, 3]
    repeated = np.repeat(values, weights)
    assert gini(values, weights) == pytest.approx(gini(repeated))
    assert theil(values, weights) == pytest.approx(theil(repeated))


@pytest.mark.parametrize("name", sorted(PYSAL))
def test_agrees_with_pysal_inequality(name: str) -> None:
    answer = PYSAL[name]
    values = answer["values"]
    assert gini(values) == pytest.approx(answer["gini"], abs=1e-12)
    assert theil(values) == pytest.approx(answer["theil"], abs=1e-12)
    split = theil_decomposition(values, [1.0] * len(values), [str(g) for g in answer["partition"]])
    assert split is not None
    assert split.between == pytest.approx(answer["theil_between"], abs=1e-12)
    assert split.within == pytest.approx(answer["theil_within"], abs=1e-12)


def test_theil_decomposition_adds_up_with_weights() -> None:
    values, weights = [12.0, 4.0, 9.0, 30.0, 2.0], [100, 300, 50, 80, 400]
    split = theil_decomposition(values, weights, ["north", "north", "south", "south", "south"])
    assert split is not None
    assert split.between + split.within == pytest.approx(theil(values, weights))
    assert split.between > 0
    assert split.within > 0
    assert sum(share for share, _t in split.groups.values()) == pytest.approx(1)


def test_concentration_index_of_a_quantity_ranked_by_itself_is_its_gini() -> None:
    values, weights = [4.0, 1.0, 9.0, 2.5, 6.0], [3, 1, 2, 5, 4]
    assert concentration_index(values, values, weights) == pytest.approx(gini(values, weights))


def test_concentration_index_sign_follows_need() -> None:
    need = [0.1, 0.2, 0.3, 0.4]
    to_the_needy = [1.0, 2.0, 3.0, 4.0]
    assert concentration_index(to_the_needy, need) > 0
    assert concentration_index(to_the_needy[::-1], need) == pytest.approx(
        -concentration_index(to_the_needy, need)
    )
    assert concentration_index([5.0, 5.0, 5.0, 5.0], need) == pytest.approx(0)
    # the unweighted direct formula (Kakwani, Wagstaff and van Doorslaer 1997):
    # C = 2 / (n mu) · Σ h_i R_i - 1 with R_i = (i - ½) / n
    h = np.array(to_the_needy)
    r = (np.arange(1, 5) - 0.5) / 4
    assert concentration_index(h, need) == pytest.approx(2 / (4 * h.mean()) * (h * r).sum() - 1)


def test_tied_need_shares_one_rank() -> None:
    ranks = fractional_rank([1.0, 2.0, 2.0, 3.0], [1, 1, 1, 1])
    assert ranks.tolist() == pytest.approx([0.125, 0.5, 0.5, 0.875])


def test_nothing_to_compare_gives_none_and_negatives_are_refused() -> None:
    assert gini([]) is None
    assert gini([0, 0]) is None
    assert theil([1, 2], [0, 0]) is None
    assert concentration_index([0, 0], [1, 2]) is None
    with pytest.raises(ValueError, match="not negative"):
        gini([-1, 2])
