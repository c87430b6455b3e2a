"""Issue 11 point 8 in a browser: an official writes a category's description in Spanish on
its back-office page; a resident choosing a category reads it in their language. Phone and
desktop, English and Spanish, axe-core on every page."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.test_needs import t
from tests.e2e.test_triage import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LOCALE = {"en": "en-GB", "es": "es-ES"}
HOLE_EN = "A hole or sunken patch in the road"
HOLE_ES = "Un agujero o hundimiento en la calzada"


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_an_official_writes_a_description_each_resident_reads_in_their_language(
    live_server: Any,
    city: dict[str, Any],
    browser: Any,
    axe: Any,
    shot: Any,
    language: str,
    size: str,
) -> None:
    from cocity.needs import services
    from cocity.needs.models import ServiceCategory

    services.category_create(
        code="pothole",
        name="Pothole",
        names={"es": "Bache"},
        description=HOLE_EN,
        department=city["departments"]["roads"],
    )
    base = live_server.url
    suffix = f"-{size}" + ("" if language == "en" else "-es")
    context = browser.new_context(viewport=SIZES[size], locale=LOCALE[language])
    page = context.new_page()

    sign_in(page, base, city["users"]["official"].email, language)
    page.goto(base + "/needs/categories/")
    page.get_by_role("link", name={"en": "Pothole", "es": "Bache"}[language]).click()
    spanish_group = page.get_by_role("group", name=t(language, "Spanish"))
    spanish_group.get_by_label(t(language, "Description")).fill(HOLE_ES)
    axe(page)
    shot(page, "category-texts-1-edit" + suffix)
    page.get_by_role("button", name=t(language, "Save"), exact=True).click()
    page.get_by_text(t(language, "Category saved.")).wait_for()
    assert ServiceCategory.objects.get(code="pothole").descriptions == {"es": HOLE_ES}
    axe(page)
    context.close()

    # a resident, not signed in, in the same language
    context = browser.new_context(viewport=SIZES[size], locale=LOCALE[language])
    page = context.new_page()
    page.goto(base + "/needs/report/")
    page.get_by_text(t(language, "What each category covers"), exact=True).click()
    mine, other = (HOLE_EN, HOLE_ES) if language == "en" else (HOLE_ES, HOLE_EN)
    page.get_by_text(mine).wait_for()
    assert page.get_by_text(other).count() == 0
    axe(page)
    shot(page, "category-texts-2-report-form" + suffix)
    context.close()
