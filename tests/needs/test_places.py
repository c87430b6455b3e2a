"""Saying where without guessing: the report form's address search works without scripts, the
report keeps the chosen address (or the nearest street), and its page draws a small map."""

from __future__ import annotations

import re
from typing import Any

import h3
import pytest
from django.test import Client

from cocity.compute.gazetteer import read_csv
from cocity.core import services as core_services
from cocity.needs.map import report_map
from cocity.needs.models import Report

pytestmark = pytest.mark.django_db

GAZETTEER = """name,number,lat,lon
Calle Mayor,1,40.9650,-5.6990
Calle Mayor,2,40.9650,-5.6985
Calle Mayor,3,40.9650,-5.6980
Calle Mayor,4,40.9650,-5.6975
Calle del Río,1,40.9640,-5.6990
Calle del Río,2,40.9640,-5.6980
Plaza de España,,40.9655,-5.6880
"""


@pytest.fixture
def places(needs: dict[str, Any]) -> dict[str, Any]:
    core_services.place_import(rows=read_csv(GAZETTEER))
    return needs


def _form(needs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {
        "category": needs["categories"]["tree"].pk,
        "district": "",
        "lat": "",
        "lon": "",
        "address": "",
        "place_q": "",
        "description": "A big branch blocks the path",
        "form_token": "tok-places",
    }
    data.update(changes)
    return data


def test_search_then_pick_then_submit_without_javascript(
    client: Client, places: dict[str, Any]
) -> None:
    # 1. the resident types a street and number and presses "Search"
    res = client.post("/needs/report/", _form(places, place_q="calle mayor 3", action="search"))
    html = res.content.decode()
    assert res.status_code == 200
    choices = re.findall(r'<input type="radio" name="place" id="place-(\d+)"', html)
    assert len(choices) == 1
    assert '<label for="place-' + choices[0] + '">Calle Mayor 3, North One</label>' in html
    # what was typed is kept, nothing is filed yet, and no error is shown
    assert "A big branch blocks the path" in html
    assert 'value="calle mayor 3"' in html
    assert "errorlist" not in html
    assert Report.objects.count() == 0
    # 2. they pick it and continue: the report is at that address
    res = client.post("/needs/report/", _form(places, place_q="calle mayor 3", place=choices[0]))
    assert res.status_code == 302, res.content.decode()
    report = Report.objects.get()
    assert report.address == "Calle Mayor 3, North One"
    assert (report.lat, report.lon) == (40.965, -5.698)
    assert report.area == places["areas"]["n1"]


def test_search_lists_several_matches_and_says_when_nothing_matches(
    client: Client, places: dict[str, Any]
) -> None:
    html = client.post(
        "/needs/report/", _form(places, place_q="calle", action="search")
    ).content.decode()
    labels = re.findall(r'<label for="place-\d+">([^<]+)</label>', html)
    assert labels == ["Calle del Río 1, North One", "Calle Mayor 1, North One"]
    html = client.post(
        "/needs/report/", _form(places, place_q="Rue de Rivoli", action="search")
    ).content.decode()
    assert "No street or place matches “Rue de Rivoli”" in html
    assert 'name="place"' not in html


def test_a_report_without_address_is_named_after_its_nearest_street(
    client: Client, places: dict[str, Any]
) -> None:
    res = client.post("/needs/report/", _form(places, lat="40.9651", lon="-5.69745"))
    assert res.status_code == 302
    assert Report.objects.get().address == "near Calle Mayor 4"
    # far from every street: no guess
    client.post(
        "/needs/report/",
        _form(places, lat="40.9580", lon="-5.6920", form_token="tok-2", description="Other"),
    )
    assert Report.objects.get(description="Other").address == ""


def test_the_report_page_and_the_triage_page_show_a_small_map(
    client: Client, places: dict[str, Any], submit: Any
) -> None:
    report = submit("pothole", where=(40.9651, -5.6985))
    assert report.address == "near Calle Mayor 2"
    html = client.get(f"/needs/{report.pk}/").content.decode()
    figure = re.search(r'<figure class="place-small-map".*?</figure>', html, re.S)
    assert figure is not None
    svg = figure.group()
    assert 'role="img"' in svg
    assert "Map of the place: near Calle Mayor 2 (North One)" in svg
    # the district outline, the two nearby streets with their names, the marker in the middle
    assert '<path class="district"' in svg
    assert ">Calle Mayor</text>" in svg
    assert ">Calle del Río</text>" in svg
    assert "Plaza de España" not in svg  # more than 250 m away
    assert '<circle cx="160.0" cy="160.0" r="9"/>' in svg
    assert "<script" not in svg
    # the official answering it sees the same place
    assert client.login(email=places["users"]["official"].email, password="pw-12345-long")
    html = client.get(f"/needs/triage/{report.pk}/").content.decode()
    assert "near Calle Mayor 2" in html
    assert 'class="place-small-map"' in html


def test_selecting_a_map_cell_lists_its_reports_with_links(
    client: Client, places: dict[str, Any], submit: Any
) -> None:
    inside = submit("pothole", where=(40.9651, -5.6985), description="Inside")
    elsewhere = submit("tree", where=(40.955, -5.685), description="Elsewhere")
    html = client.get("/needs/map/").content.decode()
    # without scripts every cell of the SVG and of the cell table is a link
    links = set(re.findall(r'href="\?cell=([0-9a-f]+)#cell-reports"', html))
    assert len(links) == 2
    cell = str(h3.cell_to_parent(inside.h3_cell, report_map().resolution))
    assert cell in links
    res = client.get("/needs/map/", {"cell": cell})
    page = res.content.decode()
    # listed (and drawn as a pin beside the list)
    listed = re.findall(r'<a href="/needs/(\d+)/">#', page)
    assert listed == [str(inside.pk)]
    assert re.findall(r'<a href="/needs/(\d+)/"><title>', page) == [str(inside.pk)]
    assert str(elsewhere.pk) not in listed
    assert "1 report in the selected cell" in page
    # the filters still apply, and a bad cell is ignored
    res = client.get("/needs/map/", {"cell": cell, "status": "closed"})
    assert "0 reports in the selected cell" in res.content.decode()
    res = client.get("/needs/map/", {"cell": "nonsense"})
    assert res.status_code == 200
    assert "selected cell" not in res.content.decode()
