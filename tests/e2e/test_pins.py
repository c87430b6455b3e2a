"""The map of reports close up, in a browser: zooming in turns the cells into pins by status
(grouped into numbered circles where they crowd), a pin leads to its report, zooming out brings
the cells back; without scripts a selected cell is drawn with its pins. Phone and desktop,
English and Spanish, axe-core on every page; the small map of a report page has no label over
another."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_needs import t

pytestmark = pytest.mark.django_db(transaction=True)

PINS = "#report-map .leaflet-marker-icon.pin-marker, #report-map .leaflet-marker-icon.pin-cluster"
CELLS = "#report-map path.map-cell"


def _densest_cell(page: Any) -> dict[str, Any]:
    cfg = json.loads(page.locator("#report-map-config").text_content())
    return max(cfg["cells"]["features"], key=lambda f: f["properties"]["count"])["properties"]


def _centre_on(page: Any, index: int) -> None:
    """Drag the map so that its ``index``-th cell lies in the middle."""
    cell = page.locator(CELLS).nth(index).bounding_box()
    box = page.locator("#report-map").bounding_box()
    page.mouse.move(cell["x"] + cell["width"] / 2, cell["y"] + cell["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()


def _zoom_in_until_pins(page: Any, language: str) -> int:
    button = page.get_by_role("button", name=t(language, "Zoom in"), exact=True)
    for clicks in range(1, 9):
        button.click()
        page.wait_for_timeout(500)  # the zoom animation, then the request for the view
        if page.locator(PINS).count():
            return clicks
    raise AssertionError("no pin after zooming in eight times")


@pytest.mark.parametrize("language", ["en", "es"])
def test_zooming_in_shows_pins_and_zooming_out_the_cells(
    live_server: Any, demo_city: None, browser: Any, axe: Any, shot: Any, language: str
) -> None:
    base = live_server.url
    locale = {"en": "en-GB", "es": "es-ES"}[language]
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, locale=locale)
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r, seen=requests: seen.append(r.url))
        page.goto(base + "/needs/map/")
        page.get_by_role("heading", name=t(language, "Map of reports")).wait_for()
        page.locator(CELLS).first.wait_for()
        assert page.locator(PINS).count() == 0
        assert page.locator("#pin-legend").is_hidden()
        axe(page)
        # the busiest cell to the middle, then closer and closer
        densest = _densest_cell(page)
        cfg = json.loads(page.locator("#report-map-config").text_content())
        index = [f["properties"]["cell"] for f in cfg["cells"]["features"]].index(densest["cell"])
        _centre_on(page, index)
        _zoom_in_until_pins(page, language)
        page.locator(PINS).first.wait_for()
        assert page.locator(CELLS).count() == 0  # the cells make way for the pins
        assert page.locator("#pin-legend").is_visible()
        assert page.locator("#cell-legend").is_hidden()
        mode = page.locator("#report-map-mode").inner_text()
        assert mode == t(
            language, "Close up: each report is a pin. Zoom out for the counts per cell."
        )
        assert any("/api/needs/points/?" in url and "bbox=" in url for url in requests)
        # every pin and circle is named for screen readers and keyboard users
        for marker in page.locator(PINS).all():
            assert marker.get_attribute("aria-label")
            assert marker.get_attribute("tabindex") == "0"
        axe(page)
        shot(page, f"needs-pins-{language}-{device}")
        # back out: the cells return
        out = page.get_by_role("button", name=t(language, "Zoom out"), exact=True)
        for _ in range(8):
            out.click()
            page.wait_for_timeout(400)
            if page.locator(PINS).count() == 0 and page.locator(CELLS).count():
                break
        assert page.locator(PINS).count() == 0
        assert page.locator(CELLS).count() > 5
        assert page.locator("#pin-legend").is_hidden()
        assert page.locator("#cell-legend").is_visible()
        # in again, until a single pin shows: with the keyboard, its popup links to the report
        _zoom_in_until_pins(page, language)
        single = page.locator("#report-map .leaflet-marker-icon.pin-marker")
        button = page.get_by_role("button", name=t(language, "Zoom in"), exact=True)
        for _ in range(5):
            if single.count():
                break
            button.click()
            page.wait_for_timeout(500)
        assert single.count() > 0
        label = single.first.get_attribute("aria-label")
        single.first.focus()
        page.keyboard.press("Enter")
        link = page.locator(".leaflet-popup-content a")
        link.wait_for()
        number = label.split()[0]  # "#123"
        assert link.inner_text().startswith(number + " ")
        page.wait_for_timeout(500)  # the map pans to show the whole popup
        shot(page, f"needs-pins-popup-{language}-{device}")
        link.click()
        page.wait_for_url(base + f"/needs/{number[1:]}/")
        context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_selected_cell_without_scripts_and_with(
    live_server: Any, demo_city: None, browser: Any, axe: Any, shot: Any, language: str
) -> None:
    base = live_server.url
    locale = {"en": "en-GB", "es": "es-ES"}[language]
    # without scripts: the cell's SVG with pins linking to the reports, beside the list
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale=locale)
    page = context.new_page()
    page.goto(base + "/needs/map/")
    page.locator("#report-map-svg .cells a").first.click()
    page.locator("#cell-map-svg").wait_for()
    pins = page.locator("#cell-map-svg .pins a")
    groups = page.locator("#cell-map-svg .pin-group")
    assert pins.count() + groups.count() > 0
    assert page.locator("#cell-reports .pin-legend li").count() == 4
    # (axe-core needs scripts: it checks the same drawing on the scripted page below)
    shot(page, f"needs-cell-nojs-{language}")
    if pins.count():
        href = pins.first.get_attribute("href")
        pins.first.click()
        page.wait_for_url(base + href)
    context.close()

    # with scripts: selecting the busiest cell opens the map zoomed in on it, with its pins
    context = browser.new_context(viewport=DESKTOP, locale=locale)
    page = context.new_page()
    page.goto(base + "/needs/map/")
    page.locator(CELLS).first.wait_for()
    densest = _densest_cell(page)
    page.goto(base + f"/needs/map/?cell={densest['cell']}")
    page.locator(PINS).first.wait_for()
    assert page.locator("#cell-map-svg").is_visible()  # the drawing stays beside the list
    axe(page)
    shot(page, f"needs-cell-js-{language}")
    context.close()


def test_the_report_pages_small_map_has_no_label_over_another(
    live_server: Any, demo_city: None, browser: Any, axe: Any, shot: Any
) -> None:
    """Measured in the browser: the drawn names' boxes (real fonts) never intersect."""
    from cocity.needs.models import Report

    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="es-ES")
    page = context.new_page()
    checked = 0
    for report in Report.objects.order_by("pk")[:12]:
        page.goto(base + f"/needs/{report.pk}/")
        boxes = page.evaluate(
            """() => Array.from(document.querySelectorAll('.place-small-map .street-names text'))
                .map((t) => { const b = t.getBBox();
                  return [b.x, b.y, b.x + b.width, b.y + b.height, t.textContent]; })"""
        )
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                assert not overlap, f"report {report.pk}: {a[4]!r} over {b[4]!r}"
        checked += len(boxes)
        # "40.96510, -5.69850": decimal points in Spanish too, a comma between the two
        place = f"{report.lat:.5f}, {report.lon:.5f}"
        assert page.locator("dd", has_text=place).count() == 1, place
    assert checked > 12  # names were drawn and measured
    axe(page)
    shot(page, "needs-place-map-es")
    context.close()
