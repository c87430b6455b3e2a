"""Open data's pure algorithms: H3 coarsening, small-cell suppression and OpenDP counts."""

from __future__ import annotations

import statistics

import h3
import pytest

from cocity.compute.opendata import cells
from cocity.compute.opendata.privacy import private_counts

POINT = (40.9651234, -5.6951234)


def test_coarsen_gives_the_ancestor_and_refuses_to_refine() -> None:
    fine = h3.latlng_to_cell(*POINT, 9)
    assert cells.coarsen(fine, 7) == h3.latlng_to_cell(*POINT, 7)
    assert cells.coarsen(fine, 9) == fine
    with pytest.raises(ValueError, match="refine"):
        cells.coarsen(cells.coarsen(fine, 7), 8)


def test_a_centre_is_recognised_and_a_real_point_is_not() -> None:
    cell = cells.coarsen_point(*POINT, 7)
    lat, lon = cells.centre(cell)
    assert cells.is_centre(lat, lon, 7)
    assert not cells.is_centre(*POINT, 7)
    assert not cells.is_centre(round(lat + 0.00001, 6), lon, 7)


def test_regroup_sums_fine_cells_into_their_parent() -> None:
    a = h3.latlng_to_cell(*POINT, 9)
    b = next(c for c in h3.grid_ring(a, 1) if h3.cell_to_parent(c, 7) == h3.cell_to_parent(a, 7))
    out = cells.regroup([(a, "x", 3), (b, "x", 4), (a, "y", 1)], 7)
    parent = h3.cell_to_parent(a, 7)
    assert out == {(parent, "x"): 7, (parent, "y"): 1}


def test_suppress_keeps_k_and_above_and_counts_but_does_not_sum_the_rest() -> None:
    result = cells.suppress({"a": 10, "b": 9, "c": 1, "d": 0, "e": 25}, 10)
    assert result.kept == {"a": 10, "e": 25}
    assert result.suppressed_cells == 2
    with pytest.raises(ValueError, match="k must"):
        cells.suppress({"a": 1}, 0)


def test_cells_covering_a_square_are_the_cells_whose_centre_is_inside() -> None:
    square = {
        "type": "Polygon",
        "coordinates": [[[-5.70, 40.95], [-5.68, 40.95], [-5.68, 40.97], [-5.70, 40.97]]],
    }
    covering = cells.cells_covering([square], 8)
    assert covering == sorted(set(covering))
    for cell in covering:
        lat, lon = h3.cell_to_latlng(cell)
        assert 40.95 <= lat <= 40.97
        assert -5.70 <= lon <= -5.68
    assert len(covering) > 3


def test_private_counts_record_the_budget_and_are_unbiased_before_clamping() -> None:
    true = [50] * 400
    result = private_counts(true, epsilon=0.5)
    assert result.epsilon == pytest.approx(0.5)
    assert result.scale == pytest.approx(2.0)
    assert len(result.values) == 400
    assert result.values != true  # noise was added (the chance of none in 400 draws is nil)
    # discrete Laplace with scale 2: mean error 0, standard deviation about 2.8
    assert abs(statistics.mean(result.values) - 50) < 1
    assert 1.5 < statistics.stdev(result.values) < 4.5


def test_private_counts_clamp_at_zero_and_reject_a_bad_budget() -> None:
    result = private_counts([0] * 200, epsilon=0.2)
    assert min(result.values) == 0
    assert max(result.values) > 0
    with pytest.raises(ValueError, match="epsilon"):
        private_counts([1], epsilon=0)
