"""The gazetteer: importing CSV and GeoJSON files (all or nothing), searching it as a resident
types, and naming the nearest street of a point."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cocity.compute.gazetteer import GazetteerError, read_csv, read_geojson, split_number
from cocity.core import selectors, services
from cocity.core.models import AuditEntry, Place

pytestmark = pytest.mark.django_db

# Calle Mayor runs west-east through district n1 (lat 40.96–40.97, lon -5.70–-5.69)
CSV = """name,number,lat,lon
Calle Mayor,1,40.965,-5.6990
Calle Mayor,2,40.965,-5.6985
Calle Mayor,3,40.965,-5.6980
Calle Mayor,12,40.965,-5.6930
Avenida de Portugal,1,40.955,-5.6950
Plaza de España,,40.9655,-5.6880
"""


def _import(tmp_path: Path, text: str, name: str = "places.csv", **kwargs: Any) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("places", "import", str(path), stdout=out, **kwargs)
    return out.getvalue()


def test_csv_import_places_each_row_in_its_district_with_one_audit_entry(
    city: dict[str, Any], tmp_path: Path
) -> None:
    before = AuditEntry.objects.count()
    out = _import(tmp_path, CSV)
    assert "Imported 6 places" in out
    mayor = Place.objects.get(name="Calle Mayor", number="12")
    assert mayor.kind == "address"
    assert mayor.area == city["areas"]["n1"]
    plaza = Place.objects.get(name="Plaza de España")
    assert plaza.kind == "place"
    assert plaza.number == ""
    assert plaza.area == city["areas"]["n2"]
    assert plaza.key == "plaza de espana"
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [e.action for e in entries] == ["places.imported"]
    assert entries[0].data["added"] == 6
    # importing the same file again adds nothing; --replace starts over
    assert "Imported 0 places" in _import(tmp_path, CSV)
    assert "Imported 6 places" in _import(tmp_path, CSV, replace=True)
    assert Place.objects.count() == 6


def test_openaddresses_and_osm_columns_and_geojson_work_unchanged(
    city: dict[str, Any], tmp_path: Path
) -> None:
    openaddresses = "LON,LAT,NUMBER,STREET,UNIT,CITY\n-5.699,40.965,7,Calle Real,,Villaverde\n"
    osm = "addr:street,addr:housenumber,lat,lon\nCalle Toro,3B,40.966,-5.698\n"
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-5.697, 40.967]},
                "properties": {"addr:street": "Calle Zamora", "addr:housenumber": "21"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-5.696, 40.964]},
                "properties": {"name": "Mercado Central"},
            },
        ],
    }
    _import(tmp_path, openaddresses, "oa.csv")
    _import(tmp_path, osm, "osm.csv")
    _import(tmp_path, json.dumps(geojson), "points.geojson")
    found = {(p.name, p.number, p.kind) for p in Place.objects.all()}
    assert found == {
        ("Calle Real", "7", "address"),
        ("Calle Toro", "3B", "address"),
        ("Calle Zamora", "21", "address"),
        ("Mercado Central", "", "place"),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,number,lat,lon\nCalle A,1,40.965,-5.699\nCalle B,2,north,-5.698\n", "line 3"),
        ("name,number,lat,lon\nCalle A,1,40.965,-5.699\n,2,40.965,-5.698\n", "line 3"),
        ("name,number,lat,lon\nCalle A,1,95,-5.699\n", "line 2"),
        ("street,housenumber\nCalle A,1\n", "no lat, lon column"),
    ],
)
def test_a_bad_row_imports_nothing_and_names_its_line(
    city: dict[str, Any], tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(CommandError, match=message) as caught:
        _import(tmp_path, text)
    assert "Nothing was imported" in str(caught.value)
    assert Place.objects.count() == 0


def test_a_bad_geojson_feature_is_named() -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1, 2]},
                "properties": {"name": "A"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[1, 2]]},
                "properties": {"name": "B"},
            },
        ],
    }
    with pytest.raises(GazetteerError, match="feature 2"):
        read_geojson(data)
    with pytest.raises(GazetteerError, match="FeatureCollection"):
        read_geojson({"type": "Point"})


def test_rows_read_from_csv() -> None:
    rows = read_csv(
        "\ufeffName,Number,Lat,Lon,kind\n Calle  Mayor ,1,40.9,-5.6,\nGran Vía,,40.9,-5.6,street\n"
    )
    assert [(r.name, r.number, r.kind) for r in rows] == [
        ("Calle Mayor", "1", "address"),
        ("Gran Vía", "", "street"),
    ]
    assert split_number("Calle Mayor 12") == ("Calle Mayor", "12")
    assert split_number("calle mayor, 12 b") == ("calle mayor", "12b")
    assert split_number("Alfonso IX") == ("Alfonso IX", "")


def test_search_ignores_accents_and_case_and_uses_the_number(
    city: dict[str, Any], tmp_path: Path
) -> None:
    _import(tmp_path, CSV)
    # with a number: that address
    assert [str(p) for p in selectors.place_search("mayor 12")] == ["Calle Mayor 12"]
    assert [p.label for p in selectors.place_search("CALLE MAYOR 2")] == [
        "Calle Mayor 2, North One"
    ]
    # without accents, a named place
    assert [str(p) for p in selectors.place_search("plaza espana")] == ["Plaza de España"]
    assert [str(p) for p in selectors.place_search("España")] == ["Plaza de España"]
    # a street without a number: one entry, its first number
    assert [str(p) for p in selectors.place_search("calle mayor")] == ["Calle Mayor 1"]
    # a number the street does not have: the street still
    assert [str(p) for p in selectors.place_search("Calle Mayor 99")] == ["Calle Mayor 1"]
    # names starting with the text come first
    names = [p.name for p in selectors.place_search("a")]
    assert names == []  # too short to search
    assert next(p.name for p in selectors.place_search("ma")) == "Calle Mayor"
    assert selectors.place_search("nowhere street") == []


def test_nearest_street_within_150_m(city: dict[str, Any], tmp_path: Path) -> None:
    _import(tmp_path, CSV)
    near = selectors.place_nearest(lat=40.9652, lon=-5.6981)  # ~25 m from Calle Mayor 3
    assert near is not None
    assert str(near) == "Calle Mayor 3"
    assert selectors.place_nearest(lat=40.9665, lon=-5.6950) is None  # 170 m from every entry
    assert selectors.place_nearest(lat=40.9550, lon=-5.6940) is not None  # Avenida de Portugal


def test_street_lines_follow_the_numbers(city: dict[str, Any], tmp_path: Path) -> None:
    _import(tmp_path, CSV)
    lines = {f["properties"]["name"]: f["geometry"] for f in selectors.street_lines()["features"]}
    assert lines["Calle Mayor"]["type"] == "LineString"
    assert [c[0] for c in lines["Calle Mayor"]["coordinates"]] == [-5.699, -5.6985, -5.698, -5.693]
    assert lines["Plaza de España"]["type"] == "Point"
    # a new import is seen at once (the cache follows the gazetteer's revision)
    services.place_import(rows=read_csv("name,number,lat,lon\nCalle Nueva,1,40.961,-5.699\n"))
    assert "Calle Nueva" in {f["properties"]["name"] for f in selectors.street_lines()["features"]}


def test_demo_city_has_streets_and_numbers() -> None:
    from cocity.core.seeders import demo_places

    centres = {
        f"d{i:02d}": (40.94 + (i // 4) * 0.018, -5.70 + (i % 4) * 0.024) for i in range(1, 13)
    }
    rows = demo_places(centres)
    assert rows == demo_places(centres)  # the same on every run
    streets = {r.name for r in rows if r.kind == "address"}
    assert len(streets) >= 40
    assert 1000 < len(rows) < 4000
    assert sum(r.kind == "place" for r in rows) == 12
