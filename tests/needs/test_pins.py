"""The map's single reports: the points endpoint (a box, the list's filters, a cap), the pins of
the selected cell drawn without scripts, and the small map of one place (names that do not
overlap, coordinates written with a decimal point in every language)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import h3
import pytest
from django.test import Client
from django.utils import timezone, translation

from cocity.compute.gazetteer import read_csv
from cocity.compute.mapdraw import text_box
from cocity.core import services as core_services
from cocity.needs import map as report_map
from cocity.needs import selectors, services
from cocity.needs.models import Report, Status

pytestmark = pytest.mark.django_db

Submit = Callable[..., Report]
CITY = "-5.70,40.95,-5.68,40.97"  # the four districts of the test city


def points(client: Client, **params: Any) -> Any:
    res = client.get("/api/needs/points/", {"bbox": CITY, **params})
    assert res.status_code == 200, res.content
    return res.json()


def ids(body: Any) -> list[int]:
    return [f["id"] for f in body["features"]]


def test_points_are_geojson_with_status_category_and_link_only(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    report = submit(
        where=(40.9651, -5.6951),
        reporter=needs["users"]["resident"],
        address="Calle Mayor 2",
        description="Hole by my house, call me on 600 000 000",
    )
    body = points(client)
    assert body["type"] == "FeatureCollection"
    assert (body["limit"], body["truncated"]) == (500, False)
    [feature] = body["features"]
    assert feature == {
        "type": "Feature",
        "id": report.pk,
        "geometry": {"type": "Point", "coordinates": [-5.6951, 40.9651]},
        "properties": {
            "id": report.pk,
            "status": "submitted",
            "status_label": "Submitted",
            "kind": "new",
            "open": True,
            "category": "pothole",
            "category_label": "Pothole",
            "url": f"/needs/{report.pk}/",
        },
    }
    # nothing of the text or the person, in any form
    text = client.get("/api/needs/points/", {"bbox": CITY}).content.decode()
    for private in ("600 000 000", "Calle Mayor", needs["users"]["resident"].email, "token"):
        assert private not in text, private
    # labels in the reader's language
    needs["categories"]["pothole"].names = {"es": "Bache"}
    needs["categories"]["pothole"].save()
    res = client.get("/api/needs/points/", {"bbox": CITY}, HTTP_ACCEPT_LANGUAGE="es")
    props = res.json()["features"][0]["properties"]
    assert (props["category_label"], props["status_label"]) == ("Bache", "Recibido")


def test_points_inside_the_box_only_and_with_the_lists_filters(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    p = needs["points"]
    n1 = submit(where=p["n1"])
    n2 = submit(where=p["n2"])
    tree = submit("tree", where=p["s1"])
    fixed = submit(where=p["s2"])
    services.report_change_status(report=fixed, status=Status.FIXED, actor=needs["users"]["admin"])
    old = submit(where=p["n1"])
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert ids(points(client)) == sorted([n1.pk, n2.pk, tree.pk, fixed.pk, old.pk])
    # a box around one district's centre
    assert ids(points(client, bbox="-5.697,40.963,-5.693,40.967")) == [n1.pk, old.pk]
    assert ids(points(client, category="fallen-tree")) == [tree.pk]
    assert ids(points(client, district="n2")) == [n2.pk]
    assert ids(points(client, status="closed")) == [fixed.pk]
    assert ids(points(client, status="fixed")) == [fixed.pk]
    assert fixed.pk not in ids(points(client, status="open"))
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert old.pk not in ids(points(client, date_from=since))
    assert ids(points(client, date_to=(timezone.localdate() - timedelta(days=30)).isoformat())) == [
        old.pk
    ]
    kinds = {f["id"]: f["properties"]["kind"] for f in points(client)["features"]}
    assert kinds[fixed.pk] == "fixed"
    assert kinds[n1.pk] == "new"
    # empty fields are no filters (a form sent as it is)
    empty = {"category": "", "district": "", "status": "", "date_from": "", "date_to": ""}
    assert len(ids(points(client, **empty))) == 5
    # the same reports as the map's cells count
    assert len(ids(points(client))) == sum(
        r["count"] for r in selectors.report_cells(bbox=(-5.70, 40.95, -5.68, 40.97))
    )


def test_more_points_than_the_cap_say_so_and_return_none(
    client: Client, needs: dict[str, Any], submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "POINTS_LIMIT", 3)
    made = [submit(where=(40.9651 + i * 0.0001, -5.6951)) for i in range(3)]
    body = points(client)
    assert (body["limit"], body["truncated"], ids(body)) == (3, False, [r.pk for r in made])
    submit(where=(40.9655, -5.6951))
    body = points(client)
    assert (body["truncated"], body["features"]) == (True, [])
    # a smaller box holds fewer again
    assert ids(points(client, bbox="-5.696,40.9650,-5.694,40.9653")) == [r.pk for r in made]


@pytest.mark.parametrize(
    ("bbox", "why"),
    [
        ("", "bbox"),
        ("a,b,c,d", "Four numbers"),
        ("-5.7,40.95,-5.68", "Four numbers"),
        ("-5.7,40.95,-5.68,40.97,1", "Four numbers"),
        ("nan,40.95,-5.68,40.97", "finite"),
        ("-5.7,40.95,inf,40.97", "finite"),
        ("-185,40.95,-5.68,40.97", "Longitudes"),
        ("-5.7,-95,-5.68,40.97", "Latitudes"),
        ("-5.68,40.95,-5.70,40.97", "West must be less than east"),
        ("-5.70,40.97,-5.68,40.95", "West must be less than east"),
        ("-5.70,40.95,-5.70,40.97", "West must be less than east"),
        ("-6.5,40.95,-5.68,40.97", "at most 0.5 degrees"),
        ("-5.70,40.0,-5.68,40.97", "at most 0.5 degrees"),
    ],
)
def test_a_bad_box_is_a_problem_400(
    client: Client, needs: dict[str, Any], bbox: str, why: str
) -> None:
    res = client.get("/api/needs/points/", {"bbox": bbox} if bbox else {})
    assert res.status_code == 400
    assert res["Content-Type"] == "application/problem+json"
    problem = res.json()
    assert problem["status"] == 400
    assert why in " ".join(problem["errors"]["bbox"]) or why == "bbox"
    assert "bbox" in problem["errors"]


def test_bad_filters_are_a_problem_400(client: Client, needs: dict[str, Any]) -> None:
    for params in (
        {"status": "lost"},
        {"date_from": "31-12-2026"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"category": "not a slug!"},
    ):
        res = client.get("/api/needs/points/", {"bbox": CITY, **params})
        assert res.status_code == 400, params
        assert res["Content-Type"] == "application/problem+json"
    with translation.override("es"):
        res = client.get("/api/needs/points/", {"bbox": "1,2"}, HTTP_ACCEPT_LANGUAGE="es")
    assert "Cuatro números" in res.json()["errors"]["bbox"][0]


def test_the_schema_documents_the_points_endpoint(client: Client, db: None) -> None:
    res = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = res.json()["paths"]["/api/needs/points/"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    bbox = params["bbox"]
    assert bbox["required"] is True
    assert (bbox["style"], bbox["explode"]) == ("form", False)
    assert bbox["schema"]["items"] == {"type": "number", "minimum": -180, "maximum": 180}
    assert (bbox["schema"]["minItems"], bbox["schema"]["maxItems"]) == (4, 4)
    assert "latitudes from -90 to 90" in bbox["description"]
    assert {"category", "district", "status", "date_from", "date_to"} <= set(params)
    assert "open" in params["status"]["schema"]["enum"]
    assert "200" in operation["responses"]


# --- the selected cell without scripts ---------------------------------------------------------


def _cell_of(report: Report) -> str:
    return str(h3.cell_to_parent(report.h3_cell, report_map.report_map().resolution))


def test_the_selected_cell_is_drawn_with_its_reports_as_pins(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    # around the centre of one cell of the map (resolution 9 for the small test city)
    lat, lon = h3.cell_to_latlng(h3.latlng_to_cell(40.9651, -5.6951, 9))
    a = submit(where=(lat, lon - 0.0008))
    b = submit("tree", where=(lat, lon + 0.0008))
    services.report_change_status(
        report=b, status=Status.IN_PROGRESS, actor=needs["users"]["admin"]
    )
    # two reports at one spot: one numbered circle
    c, d = submit(where=(lat + 0.0006, lon)), submit(where=(lat + 0.00061, lon + 0.00001))
    elsewhere = submit(where=needs["points"]["s2"])
    cell = _cell_of(a)
    assert {_cell_of(r) for r in (b, c, d)} == {cell} != {_cell_of(elsewhere)}
    html = client.get("/needs/map/", {"cell": cell}).content.decode()
    figure = re.search(r'<figure class="cell-map".*?</figure>', html, re.S)
    assert figure is not None
    svg = figure.group()
    assert "<script" not in svg
    assert '<title id="cell-map-title">' in svg
    assert '<path class="cell-outline"' in svg
    pins = re.findall(
        r'<a href="/needs/(\d+)/"><title>([^<]+)</title><path class="pin pin-([a-z-]+)" '
        r'transform="translate\(([\d.]+) ([\d.]+)\)"',
        svg,
    )
    assert sorted((int(n), title, kind) for n, title, kind, _, _ in pins) == [
        (a.pk, f"#{a.pk} Pothole · Submitted", "new"),
        (b.pk, f"#{b.pk} Fallen tree · In progress", "under-way"),
    ]
    for _, _, _, x, y in pins:  # inside the drawing
        assert 0 < float(x) < 400
        assert 0 < float(y) < 400
    group = re.search(r'<g class="pin-group"><title>([^<]+)</title>.*?>(\d+)</text></g>', svg)
    assert group is not None
    assert group.group(2) == "2"
    assert f"#{c.pk} Pothole · Submitted" in group.group(1)
    assert f"#{d.pk} Pothole · Submitted" in group.group(1)
    assert f"/needs/{elsewhere.pk}/" not in svg
    # the legend names every kind of pin and its statuses, in shape and words
    for words in ("New", "Under way", "Fixed", "Closed", "Not our responsibility"):
        assert words in svg
    assert svg.count('<svg class="pin pin-') == 4
    # the list beside it still links every report
    for r in (a, b, c, d):
        assert f'<a href="/needs/{r.pk}/">#{r.pk}' in html
    # the filters apply to the pins too
    html = client.get("/needs/map/", {"cell": cell, "category": "fallen-tree"}).content.decode()
    assert len(re.findall(r'<path class="pin pin-', html)) == 1


def test_a_cell_with_too_many_reports_says_so(
    client: Client, needs: dict[str, Any], submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "POINTS_LIMIT", 1)
    a = submit(where=(40.9651, -5.6951))
    submit(where=(40.9652, -5.6952))
    html = client.get("/needs/map/", {"cell": _cell_of(a)}).content.decode()
    assert "Too many reports to draw one by one" in html
    assert '<path class="pin pin-' not in html
    assert "2 reports in the selected cell" in html


def test_the_map_page_tells_the_script_where_to_ask_for_pins(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    from tests.needs.test_map import config

    a = submit(where=(40.9651, -5.6951))
    html = client.get(
        "/needs/map/", {"status": "open", "district": "n1", "date_to": "2000-01-01x"}
    ).content.decode()
    cfg = config(html, "report-map-config")["points"]
    assert cfg["url"] == "/api/needs/points/"
    # the valid filters only, as the page applies them
    assert cfg["query"] == {"status": "open", "district": "n1"}
    assert set(cfg["kinds"]) == {"new", "under-way", "fixed", "closed"}
    assert cfg["zoom"] >= 13
    assert config(html, "report-map-config")["selected"] is None
    # the legend of the pins waits for the script
    assert '<ul class="legend pin-legend" id="pin-legend" hidden>' in html
    cell = _cell_of(a)
    selected = config(
        client.get("/needs/map/", {"cell": cell}).content.decode(), "report-map-config"
    )["selected"]
    (south, west), (north, east) = selected["bounds"]
    assert south < 40.9651 < north
    assert west < -5.6951 < east
    assert len(selected["ring"]) == 6


# --- the small map of one place ----------------------------------------------------------------

# eight streets 30 m apart with long names, each crossing from district n1 into n2 (the border
# is at longitude -5.69): their names would pile up, and each street is two lines
CROWDED = "name,number,lat,lon\n" + "\n".join(
    f"Avenida de los Reyes Católicos {k},{n},{40.964 + k * 27e-5:.5f},{-5.69325 + n * 5e-4:.5f}"
    for k in range(8)
    for n in range(1, 9)
)


def test_place_map_labels_never_overlap(needs: dict[str, Any]) -> None:
    core_services.place_import(rows=read_csv(CROWDED))
    drawn = report_map.place_map(lat=40.9650, lon=-5.6905, boundary=None)
    assert len(drawn.streets) == 16  # every street's two lines are drawn
    assert 2 <= len(drawn.labels) < len(drawn.streets)  # some names had no room
    boxes = [text_box(lb.x, lb.y, lb.name, font_px=report_map.LABEL_PX) for lb in drawn.labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    centre = drawn.size / 2
    for box in boxes:
        assert min(box.x0, box.y0) >= 0
        assert max(box.x1, box.y1) <= drawn.size
        # none over the marker
        assert not (box.x0 < centre < box.x1 and box.y0 < centre < box.y1)
    names = [lb.name for lb in drawn.labels]
    assert len(names) == len(set(names))  # a street's name once


def test_place_coordinates_use_a_decimal_point_in_spanish(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    core_services.place_import(rows=read_csv(CROWDED))
    report = submit(where=(40.9651, -5.6915), address="Avenida 2")
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    html = client.get(f"/needs/{report.pk}/", **spanish).content.decode()
    assert 'lang="es"' in html
    assert "<dd>40.96510, -5.69150</dd>" in html
    svg = re.search(r'<figure class="place-small-map".*?</figure>', html, re.S)
    assert svg is not None
    # every number of the drawing is written with a point
    values = re.findall(r' (?:x|y|cx|cy|width|height)="([^"]+)"', svg.group())
    assert len(values) > 10
    for value in values:
        assert "," not in value, value
    # the official's page gives them beside the address
    assert client.login(email=needs["users"]["official"].email, password="pw-12345-long")
    html = client.get(f"/needs/triage/{report.pk}/", **spanish).content.decode()
    assert 'lang="es"' in html
    assert '<span class="muted">(40.96510, -5.69150)</span>' in html
    assert "40,9651" not in html
