from __future__ import annotations

from typing import Any

import pytest

from cocity.core.seeders import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_in_english_and_spanish(
    live_server: Any, demo_city: None, page: Any, shot: Any
) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("Villaverde del Río")
    assert page.locator("table tbody tr").count() == 12
    assert page.locator("svg path").count() == 12
    shot(page, "home-en")
    # the skip link is the first thing the keyboard reaches, and it moves focus to <main>
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # switch language with the form (works without JavaScript too)
    page.select_option("#language-select", "es")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Distritos" in page.content()
    shot(page, "home-es")
    page.locator("table").get_by_role("link", name="Las Canteras").click()
    assert page.locator("h1").inner_text() == "Las Canteras"
    shot(page, "district-es")


def test_home_page_without_javascript(live_server: Any, demo_city: None, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    page.select_option("#language-select", "es")
    page.get_by_role("button", name="Change").click()
    assert "Presupuestos participativos" in page.content()
    context.close()


@pytest.mark.parametrize(("email", "role", "name"), DEMO_ACCOUNTS)
def test_each_role_signs_in_and_only_admins_reach_admin(
    live_server: Any, demo_city: None, page: Any, shot: Any, email: str, role: str, name: str
) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(live_server.url + "/")
    assert f"Signed in as {name}" in page.content()
    shot(page, f"signed-in-{role}")
    page.goto(live_server.url + "/admin/")
    if role == "admin":
        assert "Site administration" in page.content()
        shot(page, "admin-index")
    else:
        assert "/admin/login/" in page.url
        assert "Site administration" not in page.content()
