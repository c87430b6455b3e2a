"""Point → area lookup with a shapely STRtree (no Django).

``AreaIndex`` is built once from (key, GeoJSON geometry) pairs and answers which area contains a
point. Vectorised ``locate_many`` uses shapely's bulk
``STRtree.query(..., predicate="intersects")``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree

EARTH_RADIUS_KM = 6371.0088


class GeometryError(ValueError):
    """A boundary that is not a valid polygon or multipolygon."""


def parse_boundary(geometry: Mapping[str, Any]) -> shapely.Geometry:
    """Turn a GeoJSON geometry into a valid shapely (multi)polygon or raise ``GeometryError``."""
    if not isinstance(geometry, Mapping) or geometry.get("type") not in {
        "Polygon",
        "MultiPolygon",
    }:
        raise GeometryError("The boundary must be a GeoJSON Polygon or MultiPolygon.")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise GeometryError(f"The boundary is not valid GeoJSON: {exc}") from exc
    if geom.is_empty:
        raise GeometryError("The boundary is empty.")
    if not geom.is_valid:
        raise GeometryError(f"The boundary is not a valid polygon: {shapely.is_valid_reason(geom)}")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise GeometryError("The boundary has coordinates outside longitude/latitude ranges.")
    return geom


def area_km2(geom: shapely.Geometry) -> float:
    """Approximate area in km² (equirectangular projection at the polygon's mean latitude)."""
    lat0 = np.radians(geom.centroid.y)
    scale_x = np.pi / 180 * EARTH_RADIUS_KM * np.cos(lat0)
    scale_y = np.pi / 180 * EARTH_RADIUS_KM
    projected = shapely.transform(geom, lambda c: c * np.array([scale_x, scale_y]))
    return float(projected.area)


class AreaIndex:
    """Which area contains a point. Keys are whatever the caller uses (ids or codes).

    Built with a shapely STRtree. For single lookups the tree is also used once, at build time,
    to classify the cells of a ``grid`` × ``grid`` raster over the city: a cell that lies wholly
    inside one area (and touches no other) answers at once, a cell that touches no area answers
    None, and only cells on a border fall back to exact point-in-polygon tests of the few areas
    they touch. Answers are identical to querying the tree for every point.
    """

    def __init__(
        self, areas: Iterable[tuple[Hashable, Mapping[str, Any]]], *, grid: int = 256
    ) -> None:
        pairs = list(areas)
        self.keys: list[Hashable] = [key for key, _ in pairs]
        self.geometries: list[shapely.Geometry] = [parse_boundary(g) for _, g in pairs]
        for geom in self.geometries:
            shapely.prepare(geom)
        self._tree = STRtree(self.geometries)
        self._build_grid(grid)

    def _build_grid(self, n: int) -> None:
        self._n = n
        self._cells: list[Any] = [None] * (n * n)
        if not self.geometries:
            self._bounds = (0.0, 0.0, -1.0, -1.0)
            return
        minx, miny, maxx, maxy = shapely.GeometryCollection(self.geometries).bounds
        self._bounds = (minx, miny, maxx, maxy)
        self._sx = n / max(maxx - minx, 1e-12)
        self._sy = n / max(maxy - miny, 1e-12)
        xs = minx + np.arange(n + 1) / self._sx
        ys = miny + np.arange(n + 1) / self._sy
        ii, jj = np.meshgrid(np.arange(n), np.arange(n))  # ii: column (x), jj: row (y)
        boxes = shapely.box(xs[ii.ravel()], ys[jj.ravel()], xs[ii.ravel() + 1], ys[jj.ravel() + 1])
        cell_idx, geom_idx = self._tree.query(boxes, predicate="intersects")
        touching: dict[int, list[int]] = {}
        for c, g in zip(cell_idx.tolist(), geom_idx.tolist(), strict=True):
            touching.setdefault(c, []).append(g)
        inside_cell, inside_geom = self._tree.query(boxes, predicate="within")
        inside = dict(zip(inside_cell.tolist(), inside_geom.tolist(), strict=True))
        areas = [g.area for g in self.geometries]
        for cell, geoms in touching.items():
            # the flat cell number is row * n + column, as in locate()
            flat = int(jj.ravel()[cell]) * n + int(ii.ravel()[cell])
            if len(geoms) == 1 and inside.get(cell) == geoms[0]:
                self._cells[flat] = ("in", self.keys[geoms[0]])
            else:
                self._cells[flat] = ("test", sorted(geoms, key=lambda g: areas[g]))

    def __len__(self) -> int:
        return len(self.keys)

    def locate(self, lat: float, lon: float) -> Hashable | None:
        """The key of the area containing (lat, lon), or None. Boundary points count as inside;
        when areas overlap (e.g. a district and its neighbourhoods) the smallest one wins."""
        minx, miny, maxx, maxy = self._bounds
        if not (minx <= lon <= maxx and miny <= lat <= maxy):
            return None
        n = self._n
        col = min(int((lon - minx) * self._sx), n - 1)
        row = min(int((lat - miny) * self._sy), n - 1)
        cell = self._cells[row * n + col]
        if cell is None:
            return None
        kind, value = cell
        if kind == "in":
            return cast(Hashable, value)
        for g in cast(list[int], value):
            if shapely.intersects_xy(self.geometries[g], lon, lat):
                return self.keys[g]
        return None

    def locate_tree(self, lat: float, lon: float) -> Hashable | None:
        """The same answer as ``locate``, straight from the STRtree (the reference path)."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        best = min(hits, key=lambda i: self.geometries[int(i)].area)
        return self.keys[int(best)]

    def locate_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[Hashable | None]:
        """Vectorised ``locate``: one bulk tree query for all points."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, geom_idx = self._tree.query(points, predicate="intersects")
        result: list[Hashable | None] = [None] * len(points)
        best_area = [np.inf] * len(points)
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            a = self.geometries[g].area
            if a < best_area[p]:
                best_area[p] = a
                result[p] = self.keys[g]
        return result


def svg_paths(
    geometries: Sequence[Mapping[str, Any]], *, width: float = 640, height: float | None = None
) -> tuple[list[str], float, float]:
    """SVG path data for GeoJSON polygons in a shared frame (north up, aspect kept at the mean
    latitude). Returns (paths, width, height)."""
    shapes = [shape(g) for g in geometries]
    if not shapes:
        return [], width, height or width
    minx, miny, maxx, maxy = shapely.GeometryCollection(shapes).bounds
    kx = float(np.cos(np.radians((miny + maxy) / 2)))
    span_x = max((maxx - minx) * kx, 1e-12)
    span_y = max(maxy - miny, 1e-12)
    scale = width / span_x
    if height is None:
        height = span_y * scale
    scale = min(scale, height / span_y)

    def ring_path(coords: Any) -> str:
        pts = [f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}" for x, y in coords]
        return "M" + "L".join(pts) + "Z"

    paths = []
    for geom in shapes:
        polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        parts = []
        for poly in polys:
            parts.append(ring_path(poly.exterior.coords))
            parts.extend(ring_path(hole.coords) for hole in poly.interiors)
        paths.append("".join(parts))
    return paths, round(width, 1), round(height, 1)
