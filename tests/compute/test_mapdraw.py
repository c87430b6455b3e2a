"""The drawing helpers of the server-rendered maps: labels that never overlap, points grouped
on a grid."""

from __future__ import annotations

import itertools

import pytest

from cocity.compute.mapdraw import Box, LabelPlacer, grid_groups, text_box


def test_text_box_grows_with_the_text_and_sits_on_the_baseline() -> None:
    short, long = (
        text_box(100, 50, "Calle", font_px=11),
        text_box(100, 50, "Calle Mayor", font_px=11),
    )
    assert long.x1 - long.x0 > short.x1 - short.x0
    assert short.x0 + short.x1 == pytest.approx(200)  # centred on x
    assert short.y0 < 50 < short.y1  # the baseline inside, most of the box above it
    assert 50 - short.y0 > short.y1 - 50


def test_labels_never_overlap_and_a_crowded_one_is_dropped() -> None:
    placer = LabelPlacer(200, 100, font_px=11)
    assert placer.place("Calle Mayor", [(100, 50)]) == (100, 50)
    # the same spot is taken: the next candidate is used
    assert placer.place("Calle del Río", [(100, 52), (100, 80)]) == (100, 80)
    # every candidate taken: no label
    assert placer.place("Plaza", [(100, 50), (95, 78)]) is None
    for a, b in itertools.combinations(placer.taken, 2):
        assert not a.overlaps(b)


def test_labels_are_moved_inside_the_frame_and_avoid_what_is_taken() -> None:
    placer = LabelPlacer(200, 100, font_px=11, taken=[Box(90, 40, 110, 60)])
    x, y = placer.place("Avenida de la Constitución", [(5, 5)]) or (None, None)
    assert x is not None
    assert y is not None
    box = text_box(x, y, "Avenida de la Constitución", font_px=11)
    assert (box.x0 >= 0, box.y0 >= 0, box.x1 <= 200) == (True, True, True)
    assert placer.place("Centre", [(100, 55)]) is None  # on the marker
    assert placer.place("x" * 60, [(100, 20)]) is None  # wider than the frame


def test_grid_groups_points_of_one_square() -> None:
    points = [(1, 1), (5, 9), (25, 1), (19.9, 19.9), (-1, 0)]
    assert grid_groups(points, 20) == [[0, 1, 3], [2], [4]]
    assert grid_groups([], 20) == []
    with pytest.raises(ValueError, match="positive"):
        grid_groups(points, 0)
