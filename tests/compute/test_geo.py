from __future__ import annotations

import random

import pytest

from cocity.compute.geo import AreaIndex, GeometryError, area_km2, parse_boundary, svg_paths


def square(lon0: float, lat0: float, size: float = 1.0) -> dict[str, object]:
    ring = [
        [lon0, lat0],
        [lon0 + size, lat0],
        [lon0 + size, lat0 + size],
        [lon0, lat0 + size],
        [lon0, lat0],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def index() -> AreaIndex:
    return AreaIndex([("a", square(0, 0)), ("b", square(1, 0)), ("small", square(0.2, 0.2, 0.1))])


def test_locate_finds_containing_area(index: AreaIndex) -> None:
    assert index.locate(lat=0.5, lon=1.5) == "b"
    assert index.locate(lat=0.9, lon=0.9) == "a"


def test_nested_area_wins_over_its_parent(index: AreaIndex) -> None:
    assert index.locate(lat=0.25, lon=0.25) == "small"


def test_point_outside_every_area_is_none(index: AreaIndex) -> None:
    assert index.locate(lat=5, lon=5) is None


def test_locate_many_agrees_with_locate(index: AreaIndex) -> None:
    rng = random.Random(1)
    lats = [rng.uniform(-0.5, 1.5) for _ in range(500)]
    lons = [rng.uniform(-0.5, 2.5) for _ in range(500)]
    assert index.locate_many(lats, lons) == [
        index.locate(la, lo) for la, lo in zip(lats, lons, strict=True)
    ]
    assert len(index) == 3


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "not a valid polygon",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]}, "outside"),
        ({"type": "Polygon", "coordinates": [[["x"]]]}, "not valid GeoJSON"),
    ],
)
def test_bad_boundaries_are_rejected_with_a_reason(
    geometry: dict[str, object], message: str
) -> None:
    with pytest.raises(GeometryError, match=message):
        parse_boundary(geometry)


def test_area_km2_of_one_hundredth_degree_square_near_salamanca() -> None:
    # 0.01° lat ≈ 1.112 km; 0.01° lon at 40.96° N ≈ 0.840 km
    assert area_km2(parse_boundary(square(-5.7, 40.96, 0.01))) == pytest.approx(0.934, rel=0.01)


def test_svg_paths_keep_north_up_and_share_one_frame() -> None:
    paths, width, height = svg_paths([square(0, 0), square(0, 1)], width=100)
    assert width == 100
    assert height == pytest.approx(200, rel=0.01)
    # the northern square (second) starts at y=0, the southern one lower down
    assert paths[1].startswith("M0.0,100.0")
    assert paths[0].startswith("M0.0,200.0")
    assert svg_paths([], width=50) == ([], 50, 50)


def test_svg_paths_draw_holes_and_multipolygons() -> None:
    holed = {
        "type": "Polygon",
        "coordinates": [square(0, 0, 4)["coordinates"][0], square(1, 1, 1)["coordinates"][0]],  # type: ignore[index]
    }
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square(5, 0)["coordinates"], square(7, 0)["coordinates"]],
    }  # type: ignore[index]
    paths, _, _ = svg_paths([holed, multi])
    assert paths[0].count("M") == 2
    assert paths[1].count("M") == 2


@pytest.mark.parametrize("grid", [1, 7, 64])
def test_grid_answers_equal_the_tree_everywhere(grid: int) -> None:
    # irregular, touching and nested polygons, with points on edges and corners
    tri = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [0, 2], [0, 0]]]}
    other = {"type": "Polygon", "coordinates": [[[2, 0], [2, 2], [0, 2], [2, 0]]]}
    nested = square(0.1, 0.1, 0.3)
    index = AreaIndex([("tri", tri), ("other", other), ("nested", nested)], grid=grid)
    rng = random.Random(grid)
    points = [(rng.uniform(-0.2, 2.2), rng.uniform(-0.2, 2.2)) for _ in range(3000)]
    points += [(x / 4, y / 4) for x in range(9) for y in range(9)]  # grid-aligned and edges
    for lat, lon in points:
        assert index.locate(lat, lon) == index.locate_tree(lat, lon), (lat, lon)


def test_empty_index_finds_nothing() -> None:
    index = AreaIndex([])
    assert index.locate(0, 0) is None
    assert index.locate_many([0], [0]) == [None]
