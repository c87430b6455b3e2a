"""The public map of reports, the date filter of the lists and the map picker of the form."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import h3
import pytest
from django.test import Client
from django.utils import timezone

from cocity.needs import map as report_map
from cocity.needs.map import ReportFilters
from cocity.needs.models import Report, Status

pytestmark = pytest.mark.django_db

Submit = Callable[..., Report]


def backdate(report: Report, days: int) -> None:
    when = timezone.now() - timedelta(days=days)
    Report.objects.filter(pk=report.pk).update(created_at=when)


def config(html: str, name: str) -> Any:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    assert found, name
    return json.loads(found.group(1))


def test_map_resolution_keeps_the_cell_count_readable() -> None:
    assert report_map.map_resolution(0.5) == 9  # a village: the stored cells themselves
    assert report_map.map_resolution(48) == 8  # the demo city
    assert report_map.map_resolution(1500) == 6  # a metropolis
    for km2 in (1, 48, 600, 20_000):
        resolution = report_map.map_resolution(km2)
        assert km2 / h3.average_hexagon_area(resolution, "km^2") <= report_map.MAX_MAP_CELLS


def test_counts_per_district_and_cell_agree(needs: dict[str, Any], submit: Submit) -> None:
    points = needs["points"]
    for _ in range(3):
        submit(where=points["n1"])
    closed = submit(where=points["s2"], category="tree")
    Report.objects.filter(pk=closed.pk).update(status=Status.FIXED)
    found = report_map.report_map()
    assert found.total == 4
    by_code = {d.code: d for d in found.districts}
    assert (by_code["n1"].count, by_code["n1"].open) == (3, 3)
    assert (by_code["s2"].count, by_code["s2"].open) == (1, 0)
    assert by_code["n2"].count == 0
    assert by_code["n1"].per_1000 == pytest.approx(3.0)  # 1,000 residents
    # the same reports, rolled up to the map's cells
    assert sum(c.count for c in found.cells) == 4
    top = found.cells[0]
    assert (top.count, top.open, top.district) == (3, 3, "North One")
    assert h3.get_resolution(top.cell) == found.resolution
    assert top.cell == h3.cell_to_parent(h3.latlng_to_cell(*points["n1"], 9), found.resolution)
    assert top.level > found.cells[-1].level
    assert found.legend[0][1] == 1
    assert found.legend[-1][2] == 3
    # filters narrow every number
    only_trees = report_map.report_map(ReportFilters(category="fallen-tree"))
    assert only_trees.total == 1
    assert [c.count for c in only_trees.cells] == [1]
    assert report_map.report_map(ReportFilters(status="open")).total == 3


def test_date_range_filters_whole_days(needs: dict[str, Any], submit: Submit) -> None:
    old, recent = submit(description="old one"), submit(description="recent one")
    backdate(old, 40)
    today = timezone.localdate()
    found = ReportFilters(date_from=today - timedelta(days=7)).reports()
    assert list(found) == [recent]
    found = ReportFilters(date_to=today - timedelta(days=30)).reports()
    assert list(found) == [Report.objects.get(pk=old.pk)]
    assert ReportFilters(date_from=today, date_to=today).reports().count() == 1


def test_map_page_works_without_javascript(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    submit(where=needs["points"]["n1"])
    submit(where=needs["points"]["n1"])
    submit(where=needs["points"]["s1"], category="tree")
    res = client.get("/needs/map/")
    html = res.content.decode()
    assert res.status_code == 200
    assert '<svg id="report-map-svg"' in html
    assert 'role="img"' in html
    assert '<title id="report-map-title">' in html
    assert html.count('<path class="level-') == 2  # two cells hold reports
    assert "2 reports (2 open) · North One" in html
    assert ">2</text>" in html  # the count is written on the cell
    # the table is the text alternative: every district with its count
    assert re.search(r"North One</a></th><td class=\"num\">2</td>", html)
    assert re.search(r"South Two</a></th><td class=\"num\">0</td>", html)
    assert "3 reports match." in html
    for name in ("category", "district", "status", "date_from", "date_to"):
        assert f'<label for="id_{name}"' in html
    # no tile URL configured: the Leaflet layer gets none, and no third-party address appears
    cfg = config(html, "report-map-config")
    assert cfg["tiles"] == ""
    assert len(cfg["cells"]["features"]) == 2
    assert {f["properties"]["name"] for f in cfg["districts"]["features"]} >= {"North One"}
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_map_page_filters_and_tiles_setting(
    client: Client, needs: dict[str, Any], submit: Submit, settings: Any
) -> None:
    submit(where=needs["points"]["n1"])
    backdate(submit(where=needs["points"]["n2"]), 60)
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    html = client.get(f"/needs/map/?date_from={since}").content.decode()
    assert "1 report matches." in html
    # a filter in error is shown and left out, the others still apply
    res = client.get(f"/needs/map/?date_from={since}&date_to=2000-01-01")
    html = res.content.decode()
    assert "The end date comes before the start date." in html
    assert "1 report matches." in html
    settings.COCITY_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = client.get("/needs/map/").content.decode()
    assert config(html, "report-map-config")["tiles"] == settings.COCITY_TILE_URL
    # the list links to the map with the same filters, and back
    html = client.get("/needs/?status=open").content.decode()
    assert 'href="/needs/map/?status=open"' in html
    assert 'href="/needs/?status=open"' in client.get("/needs/map/?status=open").content.decode()


def test_list_filters_by_date(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    submit(description="brand new report")
    backdate(submit(description="last year's report"), 300)
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    html = client.get(f"/needs/?date_from={since}").content.decode()
    assert "brand new report" in html
    assert "last year" not in html
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    html = client.get(f"/needs/?date_to={until}").content.decode()
    assert "brand new report" not in html
    assert "last year" in html
    html = client.get("/needs/?date_from=31-12-2026").content.decode()
    assert "Enter a valid date." in html
    assert "brand new report" in html  # the broken filter is ignored, not the page


def test_home_links_the_map(client: Client, needs: dict[str, Any]) -> None:
    assert 'href="/needs/map/"' in client.get("/").content.decode()


def test_report_form_offers_the_map_picker_only_as_an_enhancement(
    client: Client, needs: dict[str, Any]
) -> None:
    html = client.get("/needs/report/").content.decode()
    # the picker is hidden until the script shows it; the fields stay plain inputs
    assert '<div class="place-picker" id="place-picker" hidden>' in html
    assert '<input type="number" name="lat"' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == [
        "/static/cocity/menu.js",
        "/static/leaflet/leaflet.js",
        "/static/needs/map.js",
    ]
    cfg = config(html, "place-map-config")
    assert cfg["tiles"] == ""
    assert len(cfg["districts"]["features"]) == 4
    assert client.get("/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/needs/map.js").status_code == 200
