"""One look everywhere, in a real browser: every account page, the home page, "My account" and
the moderation overview, in English and Spanish, on a phone and a desktop, with the site's header,
language switch and `lang`, no serious or critical axe-core finding, and a phone menu that opens
and closes from the keyboard, with or without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from cocity.deliberation import services as deliberation

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-12345-long"
PHONE = {"width": 390, "height": 844}  # as the `page` and `desktop` fixtures
DESKTOP = {"width": 1280, "height": 900}
SIGNED_OUT = [
    ("login", "/accounts/login/"),
    ("signup", "/accounts/signup/"),
    ("password-reset", "/accounts/password/reset/"),
    ("password-reset-done", "/accounts/password/reset/done/"),
    ("password-reset-bad-key", "/accounts/password/reset/key/1-bad-key/"),
    ("password-reset-key-done", "/accounts/password/reset/key/done/"),
    ("verification-sent", "/accounts/confirm-email/"),
    ("inactive", "/accounts/inactive/"),
    ("home", "/"),
]
SIGNED_IN = [
    ("my-account", "/me/"),
    ("email", "/accounts/email/"),
    ("password-change", "/accounts/password/change/"),
    ("reauthenticate", "/accounts/reauthenticate/"),
    ("moderation", "/conversations/moderation/"),
    ("logout", "/accounts/logout/"),
]
SWITCH = {"en": "Change", "es": "Cambiar"}


def check_layout(page: Any, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("header.site-header").count() == 1
    assert page.locator("nav.menu-panel").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("#language-select").is_visible()
    assert page.locator("form.lang").get_by_role("button", name=SWITCH[language]).is_visible()
    assert page.locator(".site-header .cta").is_visible()  # "Report a problem"


@pytest.fixture
def moderation_waiting(city: dict[str, Any]) -> None:
    talk = deliberation.conversation_create(
        actor=city["users"]["official"], topic="Where should benches go?", seed_statements=["Here."]
    )
    deliberation.statement_submit(
        conversation=talk, body="Benches by the river.", user=city["users"]["resident"]
    )


def test_every_account_page_has_the_site_look(
    live_server: Any,
    city: dict[str, Any],
    moderation_waiting: None,
    browser: Any,
    axe: Any,
    shot: Any,
) -> None:
    """Each page once in each language, and once on each size: the English visit is on a phone
    where the Spanish one is on a desktop, and the other way round for the next page."""
    moderator = city["users"]["moderator"]
    for flip, language in enumerate(("en", "es")):
        context = browser.new_context(viewport=PHONE, locale=language)
        page = context.new_page()
        for i, (name, path) in enumerate([*SIGNED_OUT, ("sign-in", ""), *SIGNED_IN]):
            if name == "sign-in":
                page.goto(live_server.url + "/accounts/login/")
                page.locator("#id_login").fill(moderator.email)
                page.locator("#id_password").fill(PASSWORD)
                page.locator("main form button[type=submit]").click()
                page.wait_for_url(live_server.url + "/")
                continue
            size, viewport = (("phone", PHONE), ("desktop", DESKTOP))[(i + flip) % 2]
            page.set_viewport_size(viewport)
            page.goto(live_server.url + path)
            check_layout(page, language)
            axe(page)
            shot(page, f"look-{name}-{size}-{language}")
        context.close()


def test_phone_menu_works_from_the_keyboard(
    live_server: Any, city: dict[str, Any], page: Any, axe: Any, shot: Any
) -> None:
    page.goto(live_server.url + "/needs/map/")
    menu, button = page.locator("#site-menu"), page.locator("#site-menu > summary")
    map_link = page.locator("nav.menu-panel").get_by_role("link", name="Map")
    assert not map_link.is_visible()
    # skip link, brand, "Report a problem", then the menu button
    for _ in range(4):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert menu.get_attribute("open") is not None
    assert map_link.is_visible()
    assert map_link.get_attribute("aria-current") == "page"
    axe(page)
    shot(page, "look-menu-open-phone")
    page.keyboard.press("Tab")  # into the menu
    assert page.evaluate("document.activeElement.textContent") == "Map"
    page.keyboard.press("Escape")  # menu.js: closes and gives the focus back to the button
    assert menu.get_attribute("open") is None
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Space")
    assert map_link.is_visible()
    page.keyboard.press("Enter")
    assert not map_link.is_visible()
    # on a desktop the links are in the header, with no menu button
    page.set_viewport_size(DESKTOP)
    assert not button.is_visible()
    assert map_link.is_visible()
    assert page.locator("nav.menu-panel").get_by_role("link", name="Conversations").is_visible()


def test_phone_menu_without_javascript(
    live_server: Any, city: dict[str, Any], browser: Any, shot: Any
) -> None:
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport, java_script_enabled=False, locale="es")
        page = context.new_page()
        page.goto(live_server.url + "/")
        reports = page.locator("nav.menu-panel").get_by_role("link", name="Avisos")
        if viewport is PHONE:
            assert not reports.is_visible()
            for _ in range(4):
                page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            assert reports.is_visible()
            shot(page, "look-menu-open-phone-nojs-es")
            page.keyboard.press("Enter")
            assert not reports.is_visible()
            page.keyboard.press("Enter")
        assert reports.is_visible()
        reports.click()
        page.wait_for_url(live_server.url + "/needs/")
        assert page.locator("html").get_attribute("lang") == "es"
        context.close()
