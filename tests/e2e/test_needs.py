"""The needs loop in a phone-sized browser: a resident reports, is shown a nearby duplicate and
files anyway; an official answers in public; the resident sees the answer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cocity.needs.models import OPEN_STATUSES, Report, Status

PASSWORD = "pw-12345-long"

pytestmark = pytest.mark.django_db(transaction=True)


def t(language: str, text: str, plural: str = "", **params: Any) -> str:
    """``text`` as the site shows it in ``language`` (the same catalogs the pages use); with
    ``plural``, the form for ``params["n"]``."""
    from django.utils import translation

    with translation.override(language):
        if plural:
            found = translation.ngettext(text, plural, params["n"])
        else:
            found = translation.gettext(text)
    return found % params if params else found


def sign_in(page: Any, base: str, email: str, language: str = "en") -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label(t(language, "Email")).fill(email)
    page.get_by_label(t(language, "Password")).fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/")


def open_menu(page: Any) -> None:
    """On a phone the header's links are behind the menu button."""
    button = page.locator("#site-menu > summary")
    if button.is_visible() and page.locator("#site-menu[open]").count() == 0:
        button.click()


def sign_out(page: Any, language: str = "en") -> None:
    open_menu(page)
    page.get_by_role("button", name=t(language, "Sign out")).click()


def _photo(path: Path) -> Path:
    """A real JPEG with a GPS position in its EXIF, as a phone camera writes it."""
    image = Image.new("RGB", (3000, 2000), (120, 90, 60))
    exif = Image.Exif()
    exif[0x8825] = {2: (40.0, 57.0, 54.0), 4: (5.0, 41.0, 42.0)}  # GPSInfo: latitude, longitude
    image.save(path, "JPEG", exif=exif)
    return path


@pytest.mark.parametrize("language", ["en", "es"])
def test_report_duplicate_check_triage_and_public_answer(
    live_server: Any,
    city: dict[str, Any],
    browser: Any,
    shot: Any,
    tmp_path: Path,
    language: str,
) -> None:
    """The whole loop, once with an English browser and once with a Spanish one."""
    from cocity.needs import services
    from cocity.needs.defaults import add_response_templates
    from cocity.needs.models import ResponseTemplate

    def _(text: str, plural: str = "", **params: Any) -> str:
        return t(language, text, plural, **params)

    if language == "es":  # the pages below must really be in Spanish
        assert _("Describe the problem") != "Describe the problem"
    add_response_templates(ResponseTemplate)  # a transactional test before may have flushed them
    roads = city["departments"]["roads"]
    pothole = services.category_create(
        code="pothole", name="Pothole", names={"es": "Bache"}, department=roads
    )
    category = {"en": "Pothole", "es": "Bache"}[language]
    services.report_submit(
        category=pothole, description="Hole by the bakery", lat=40.9652, lon=-5.6951
    )
    base = live_server.url
    resident, official = city["users"]["resident"], city["users"]["official"]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale={"en": "en-GB", "es": "es-ES"}[language]
    )
    page = context.new_page()
    suffix = "" if language == "en" else "-es"

    sign_in(page, base, resident.email, language)
    page.goto(base + "/needs/report/")
    page.get_by_label(_("What is the problem about?")).select_option(label=category)
    page.get_by_label(_("Latitude")).fill("40.965")
    page.get_by_label(_("Longitude")).fill("-5.695")
    page.get_by_label(_("Describe the problem")).fill("Deep hole in front of number 12")
    photo = _photo(tmp_path / "hole.jpg")
    page.get_by_label(_("Photos")).set_input_files(str(photo))
    shot(page, "needs-1-report-form" + suffix)
    page.get_by_role("button", name=_("Continue")).click()
    page.get_by_role("heading", name=_("Is it one of these?")).wait_for()
    assert "Hole by the bakery" in page.content()
    # the chosen photo waits on the server while the resident decides
    kept_text = _(
        "Your photo is kept with the report.", "Your %(n)s photos are kept with the report.", n=1
    )
    assert page.get_by_text(kept_text).count() == 1
    shot(page, "needs-2-nearby-duplicates" + suffix)
    page.get_by_role("button", name=_("No, file my report")).click()
    page.get_by_role("heading", name=_("Thank you: your report is filed")).wait_for()
    shot(page, "needs-3-confirmation" + suffix)
    report = Report.objects.get(description="Deep hole in front of number 12")
    stored = report.photos.get()
    with Image.open(stored.image.path) as kept:
        assert kept.size == (2048, 1365)  # downscaled to the size limit, re-encoded
        assert not kept.getexif()  # the camera's position is gone
    assert page.get_by_role("link", name=f"/needs/track/{report.tracking_token}/").count() == 1
    sign_out(page, language)

    sign_in(page, base, official.email, language)
    page.goto(base + "/needs/templates/")
    page.get_by_role("link", name={"en": "Fixed", "es": "Resuelto"}[language]).first.wait_for()
    shot(page, "needs-4a-answer-templates" + suffix)
    page.goto(base + "/needs/triage/")
    page.get_by_role("link", name=f"#{report.pk} {category}").click()
    page.get_by_label(_("New status")).select_option("fixed")
    page.get_by_label(_("Answer template")).select_option("fixed")
    shot(page, "needs-4-triage" + suffix)
    page.get_by_role("button", name=_("Change status and publish the note")).click()
    page.get_by_text(_("Status changed and the update published.")).wait_for()
    sign_out(page, language)

    report.refresh_from_db()
    assert report.status == Status.FIXED
    sign_in(page, base, resident.email, language)
    # the resident follows their report: the header counts the in-app notification
    unread = _("Notifications: %(n)s unread", "Notifications: %(n)s unread", n=1)
    open_menu(page)
    page.get_by_role("link", name=unread).click()
    page.get_by_role("heading", name=_("Notifications")).wait_for()
    fixed = _("Fixed")
    assert (
        _(
            "Report #%(number)s (%(category)s) is now: %(status)s.",
            number=report.pk,
            category=category,
            status=fixed,
        )
        in page.content()
    )
    shot(page, "needs-5-notifications" + suffix)
    page.get_by_role("button", name=re.compile("^" + re.escape(_("Open and mark as read")))).click()
    page.wait_for_url(base + f"/needs/{report.pk}/")
    answer = {
        "en": "This has been fixed. Thank you for telling us.",
        "es": "Ya está resuelto. Gracias por avisarnos.",
    }[language]
    assert page.get_by_text(answer).count() == 1  # published in the official's language
    assert page.get_by_role("img", name=_("Photo %(number)s of the report", number=1)).count() == 1
    assert _("Status changed to %(status)s", status=fixed) in page.content()
    open_menu(page)
    assert page.get_by_role("link", name=_("Notifications"), exact=True).count() == 1  # all read
    shot(page, "needs-6-public-answer" + suffix)
    context.close()


def test_map_picker_fills_the_coordinates(
    live_server: Any, city: dict[str, Any], page: Any, shot: Any
) -> None:
    from cocity.needs import services

    services.category_create(
        code="pothole", name="Pothole", department=city["departments"]["roads"]
    )
    base = live_server.url
    page.goto(base + "/needs/report/")
    picker = page.locator("#place-map")
    picker.locator("svg path").first.wait_for()  # the district outlines are drawn
    assert page.locator("#place-picker").is_visible()
    # a tap in the middle of the map fills latitude and longitude with a point of the city
    picker.click()  # the centre of the map
    lat = float(page.get_by_label("Latitude").input_value())
    lon = float(page.get_by_label("Longitude").input_value())
    assert 40.94 < lat < 40.97
    assert -5.71 < lon < -5.68
    assert "Place set: latitude" in page.locator("#place-status").inner_text()
    shot(page, "needs-map-picker")
    # keyboard users: pan with the arrow keys, then take the map's centre
    picker.focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Use the centre of the map").click()
    assert float(page.get_by_label("Latitude").input_value()) < lat
    page.get_by_label("What is the problem about?").select_option(label="Pothole")
    page.get_by_label("Describe the problem").fill("Hole placed with the map")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Thank you: your report is filed").wait_for()
    report = Report.objects.get(description="Hole placed with the map")
    assert report.area is not None
    assert report.area.code in city["areas"]


def test_map_of_reports_in_english_and_spanish(
    live_server: Any, full_demo_city: None, page: Any, browser: Any, shot: Any
) -> None:
    base = live_server.url
    page.goto(base + "/")
    page.get_by_role("link", name="Map of reports").click()
    page.get_by_role("heading", name="Map of reports").wait_for()
    total = Report.objects.count()
    assert f"{total:,} reports match." in page.content()
    # with scripts, Leaflet draws the cells (no tile URL: outlines on a plain background)
    page.locator("#report-map path.leaflet-interactive").first.wait_for()
    assert page.locator("#report-map-svg").is_hidden()
    assert page.locator("#report-map img.leaflet-tile").count() == 0
    assert page.locator("section[aria-labelledby='by-district'] tbody tr").count() == 12
    shot(page, "needs-map-en")
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=open"))
    open_total = Report.objects.filter(status__in=OPEN_STATUSES).count()
    assert f"{open_total:,} reports match." in page.content()
    page.select_option("#language-select", "es")
    page.get_by_role("button", name="Change").click()
    page.get_by_role("heading", name="Mapa de avisos").wait_for()
    page.locator("#report-map path.leaflet-interactive").first.wait_for()
    assert page.get_by_role("button", name="Acercar").count() == 1  # Leaflet's controls too
    shot(page, "needs-map-es")

    # without JavaScript: the server-drawn SVG with the counts, and the same table
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="es-ES"
    )
    nojs = context.new_page()
    nojs.goto(base + "/needs/map/")
    assert nojs.locator("#report-map-svg").is_visible()
    assert nojs.locator("#report-map-svg .cells path").count() > 20
    assert nojs.locator("#report-map").is_hidden()
    shot(nojs, "needs-map-nojs")
    context.close()


def test_admin_issues_an_open311_key(
    live_server: Any, city: dict[str, Any], page: Any, shot: Any
) -> None:
    from cocity.needs import selectors

    base = live_server.url
    sign_in(page, base, city["users"]["admin"].email)
    page.goto(base + "/needs/triage/")
    page.get_by_role("link", name="Open311 API keys for client apps").click()
    page.get_by_label("Client app name").fill("Street app (Android)")
    page.get_by_role("button", name="Issue the key").click()
    page.get_by_role("heading", name="The key for “Street app (Android)”").wait_for()
    key = page.locator("#issued-key").inner_text()
    assert selectors.open311_key_valid(key) is not None
    shot(page, "needs-open311-key")
