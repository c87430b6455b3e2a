"""Small geographic helpers of the needs app: h3 cells and great-circle distances."""

from __future__ import annotations

import math

import h3

from cocity.needs.models import H3_RESOLUTION

EARTH_RADIUS_M = 6_371_008.8


def h3_cell(lat: float, lon: float, resolution: int = H3_RESOLUTION) -> str:
    return str(h3.latlng_to_cell(lat, lon, resolution))


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def cells_within(lat: float, lon: float, radius_m: float) -> list[str]:
    """Resolution-9 cells that together cover every point within ``radius_m`` of the point.

    A cell's circumradius is its edge length; ``k`` rings around the point's own cell reach at
    least ``(1.5·k − 1)·edge`` from the point, so ``k`` is chosen from the largest edge length
    at this resolution (cells near pentagons are smaller, never larger)."""
    edge = h3.average_hexagon_edge_length(H3_RESOLUTION, "m") * 1.25
    k = max(1, math.ceil((radius_m / edge + 1) / 1.5))
    return [str(c) for c in h3.grid_disk(h3.latlng_to_cell(lat, lon, H3_RESOLUTION), k)]
