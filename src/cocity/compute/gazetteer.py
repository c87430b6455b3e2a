"""Gazetteer files and geometry without Django: read the rows of a CSV or GeoJSON gazetteer,
measure distances, order a street's numbered points into a line.

Accepted CSV headers (case-insensitive, any order, extra columns ignored): ours
``name,number,lat,lon`` (optional ``kind``), OpenAddresses' ``STREET,NUMBER,LAT,LON`` and
OSM-derived ``addr:street,addr:housenumber`` with ``lat,lon``. GeoJSON: Point features whose
properties hold ``name``/``number`` or ``addr:street``/``addr:housenumber``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EARTH_RADIUS_M = 6_371_008.8
KINDS = ("address", "street", "place")
NAME_COLUMNS = ("name", "street", "addr:street")
NUMBER_COLUMNS = ("number", "housenumber", "addr:housenumber")
LAT_COLUMNS = ("lat", "latitude", "y")
LON_COLUMNS = ("lon", "lng", "longitude", "x")


class GazetteerError(ValueError):
    """A gazetteer file that cannot be read; the message names the line or feature."""


@dataclass(frozen=True)
class PlaceRow:
    name: str
    number: str
    kind: str
    lat: float
    lon: float


def _row(name: Any, number: Any, lat: Any, lon: Any, kind: Any, where: str) -> PlaceRow:
    name = " ".join(str(name or "").split())
    number = str(number or "").strip()
    if not name:
        raise GazetteerError(f"{where}: the name (street or place) is empty.")
    if len(name) > 160 or len(number) > 20:
        raise GazetteerError(f"{where}: the name or number is too long.")
    try:
        y, x = float(lat), float(lon)
    except (TypeError, ValueError):
        raise GazetteerError(f"{where}: latitude and longitude must be numbers.") from None
    if not (math.isfinite(y) and math.isfinite(x) and -90 <= y <= 90 and -180 <= x <= 180):
        raise GazetteerError(f"{where}: the coordinates are outside latitude/longitude ranges.")
    kind = str(kind or "").strip().lower() or ("address" if number else "place")
    if kind not in KINDS:
        raise GazetteerError(f"{where}: the kind must be one of {', '.join(KINDS)}.")
    return PlaceRow(name=name, number=number, kind=kind, lat=y, lon=x)


def _column(header: Sequence[str], names: Iterable[str]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def read_csv(text: str) -> list[PlaceRow]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        raise GazetteerError("line 1: the file is empty (expected a header name,number,lat,lon).")
    cols = {
        "name": _column(header, NAME_COLUMNS),
        "number": _column(header, NUMBER_COLUMNS),
        "lat": _column(header, LAT_COLUMNS),
        "lon": _column(header, LON_COLUMNS),
        "kind": _column(header, ("kind",)),
    }
    missing = [k for k in ("name", "lat", "lon") if cols[k] is None]
    if missing:
        raise GazetteerError(
            f"line 1: the header has no {', '.join(missing)} column "
            "(expected name,number,lat,lon or STREET,NUMBER,LAT,LON)."
        )
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue

        def get(key: str, values: list[str] = values) -> str:
            i = cols[key]
            return values[i] if i is not None and i < len(values) else ""

        rows.append(
            _row(get("name"), get("number"), get("lat"), get("lon"), get("kind"), f"line {line}")
        )
    return rows


def read_geojson(data: Any) -> list[PlaceRow]:
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise GazetteerError("The GeoJSON must be a FeatureCollection of Point features.")
    features = data.get("features")
    if not isinstance(features, list):
        raise GazetteerError("The GeoJSON FeatureCollection has no list of features.")
    rows = []
    for i, feature in enumerate(features, start=1):
        where = f"feature {i}"
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
            raise GazetteerError(f"{where}: the geometry must be a Point.")
        coords = geometry.get("coordinates")
        if not isinstance(coords, list | tuple) or len(coords) < 2:
            raise GazetteerError(f"{where}: the Point has no coordinates.")
        props = feature.get("properties") or {}
        name = next((props[k] for k in NAME_COLUMNS if props.get(k)), "")
        number = next((props[k] for k in NUMBER_COLUMNS if props.get(k)), "")
        rows.append(_row(name, number, coords[1], coords[0], props.get("kind"), where))
    return rows


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def number_order(number: str) -> tuple[int, str]:
    """House numbers in street order: 2, 4, 10, 10A (not 10, 2, 4)."""
    found = re.match(r"\d+", number)
    return (int(found.group()) if found else 0, number)


def split_number(text: str) -> tuple[str, str]:
    """ "Calle Mayor 12" → ("Calle Mayor", "12"); "Plaza Mayor" → ("Plaza Mayor", "")."""
    found = re.match(r"^(.*?)[\s,]+(\d+\s?[A-Za-z]?)$", text.strip())
    if found and found.group(1).strip():
        return found.group(1).strip(), found.group(2).replace(" ", "")
    return text.strip(), ""
