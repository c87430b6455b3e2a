"""Fixtures of the open data tests: a scanner for exports and the catalogue's SHACL check."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cocity.compute.opendata import cells

SHAPES = Path(__file__).resolve().parent.parent / "shapes"
# a number with 3 decimals or more (not the seconds of a time): any coordinate finer than ~100 m
FINE_NUMBER = re.compile(r"(?<![\w.:])-?\d{1,3}\.\d{3,}(?![\w.])")
COUNT_COLUMNS = {"reports", "reports_noisy"}


@dataclass
class Scan:
    problems: list[str] = field(default_factory=list)
    pairs: set[tuple[float, float]] = field(default_factory=set)


def _pairs_of(name: str, text: str) -> Iterable[tuple[float, float]]:
    if name.endswith(".geojson"):
        for feature in json.loads(text)["features"]:
            lon, lat = feature["geometry"]["coordinates"]
            yield lat, lon
    elif name.endswith(".csv"):
        for row in csv.DictReader(io.StringIO(text)):
            if "cell_lat" in row:
                yield float(row["cell_lat"]), float(row["cell_lon"])


def _counts_of(name: str, text: str) -> Iterable[int]:
    if name.endswith(".geojson"):
        for feature in json.loads(text)["features"]:
            yield int(feature["properties"]["reports"])
    elif name.endswith(".csv"):
        for row in csv.DictReader(io.StringIO(text)):
            for column in COUNT_COLUMNS & set(row):
                yield int(row[column])


def scan_exports(
    files: dict[str, str],
    *,
    resolution: int,
    k: int,
    real_points: Iterable[tuple[float, float]],
    words: Iterable[str],
) -> list[str]:
    """Everything in ``files`` (name → text) that breaks the open data promises: a coordinate
    that is not a cell centre, a real report's location, a name or e-mail, a count below k."""
    scan = Scan()
    centre_numbers: set[str] = set()
    for name, text in files.items():
        for lat, lon in _pairs_of(name, text):
            scan.pairs.add((lat, lon))
            if cells.is_centre(lat, lon, resolution):
                centre_numbers.update((repr(lat), repr(lon)))
            else:
                scan.problems.append(f"{name}: ({lat}, {lon}) is not a cell centre")
    for name, text in files.items():
        for number in FINE_NUMBER.findall(text):
            if repr(float(number)) not in centre_numbers:
                scan.problems.append(f"{name}: {number} is a fine number but no cell centre")
        for n in _counts_of(name, text):
            if n < k:
                scan.problems.append(f"{name}: a count of {n} is below k={k}")
        for word in words:
            if word in text:
                scan.problems.append(f"{name}: contains {word!r}")
    real = {(round(lat, 5), round(lon, 5)) for lat, lon in real_points}
    for lat, lon in scan.pairs:
        if (round(lat, 5), round(lon, 5)) in real:
            scan.problems.append(f"({lat}, {lon}) is where a report was made")
    return scan.problems


@pytest.fixture
def scan() -> Callable[..., list[str]]:
    return scan_exports


def shacl_violations(document: dict[str, Any]) -> dict[str, list[str]]:
    """Validate a JSON-LD catalogue against DCAT-AP 3 and DCAT-AP-ES, offline; the violations'
    messages per profile (warnings are allowed)."""
    from pyshacl import validate
    from rdflib import Graph, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    data = Graph().parse(data=json.dumps(document), format="json-ld")
    out = {}
    for profile, files in {
        "DCAT-AP 3.0.0": [SHAPES / "dcat-ap-SHACL.ttl"],
        "DCAT-AP-ES 1.0.0": sorted((SHAPES / "dcat-ap-es").glob("*.ttl")),
    }.items():
        shapes = Graph()
        for f in files:
            shapes.parse(f, format="turtle")
        _conforms, results, _text = validate(
            data, shacl_graph=shapes, inference="none", allow_warnings=True
        )
        out[profile] = [
            f"{results.value(r, sh.focusNode)} {results.value(r, sh.resultPath)}: "
            f"{results.value(r, sh.resultMessage)}"
            for r in results.subjects(sh.resultSeverity, sh.Violation)
        ]
    return out


@pytest.fixture
def shacl() -> Callable[[dict[str, Any]], dict[str, list[str]]]:
    return shacl_violations


@pytest.fixture(autouse=True)
def _small_area_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """A coarse point→area raster: same answers, indexed in milliseconds (as in tests/needs)."""
    import functools

    from cocity.compute.geo import AreaIndex
    from cocity.core import selectors

    monkeypatch.setattr(selectors, "AreaIndex", functools.partial(AreaIndex, grid=16))
    selectors.area_index_reset()
