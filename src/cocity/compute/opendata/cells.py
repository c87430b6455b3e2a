"""Coarsen point counts to H3 cells and suppress the small ones.

A published count of fewer than ``k`` events in one cell (of one category, in one period) could
point at a person; those cells are left out, and only how many were left out is said — never their
sum, which for a single suppressed cell would give its value back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import h3

K = TypeVar("K", bound=Hashable)

#: decimals of a cell centre in an export: ~0.1 m, far below any cell's size, so the centre
#: names its cell exactly (and anything more precise is not a centre)
CENTRE_DECIMALS = 6


def coarsen(cell: str, resolution: int) -> str:
    """The cell's ancestor at ``resolution`` (the cell itself at its own resolution)."""
    own = h3.get_resolution(cell)
    if resolution > own:
        raise ValueError(f"cannot refine a resolution-{own} cell to resolution {resolution}")
    return str(cell if resolution == own else h3.cell_to_parent(cell, resolution))


def centre(cell: str) -> tuple[float, float]:
    """The cell's centre as (lat, lon), rounded to ``CENTRE_DECIMALS``."""
    lat, lon = h3.cell_to_latlng(cell)
    return round(lat, CENTRE_DECIMALS), round(lon, CENTRE_DECIMALS)


def is_centre(lat: float, lon: float, resolution: int) -> bool:
    """Whether (lat, lon) is exactly the rounded centre of its cell at ``resolution``."""
    return centre(str(h3.latlng_to_cell(lat, lon, resolution))) == (lat, lon)


def regroup(counts: Iterable[tuple[str, Any, int]], resolution: int) -> Counter[tuple[str, Any]]:
    """Sum ``(fine cell, key, n)`` rows into ``(cell at resolution, key)`` counts."""
    out: Counter[tuple[str, Any]] = Counter()
    parents: dict[str, str] = {}
    for cell, key, n in counts:
        parent = parents.get(cell)
        if parent is None:
            parent = parents[cell] = coarsen(cell, resolution)
        out[(parent, key)] += n
    return out


@dataclass(frozen=True)
class Suppressed:
    kept: dict[Any, int]
    suppressed_cells: int


def suppress(counts: Mapping[K, int], k: int) -> Suppressed:
    """Keep the counts of at least ``k``; count (but do not sum) the others. Zero counts are
    neither kept nor counted as suppressed."""
    if k < 1:
        raise ValueError("k must be at least 1")
    kept = {key: n for key, n in counts.items() if n >= k}
    small = sum(1 for n in counts.values() if 0 < n < k)
    return Suppressed(kept, small)


def cells_covering(polygons: Iterable[Mapping[str, Any]], resolution: int) -> list[str]:
    """Every cell at ``resolution`` whose centre lies in one of the GeoJSON (Multi)Polygons:
    a domain of cells fixed by the map, not by the data (what a private count must range over)."""
    cells: set[str] = set()
    for geometry in polygons:
        cells.update(str(c) for c in h3.geo_to_cells(geometry, resolution))
    return sorted(cells)


def coarsen_point(lat: float, lon: float, resolution: int) -> str:
    """The cell at ``resolution`` a point lies in."""
    return str(h3.latlng_to_cell(lat, lon, resolution))
