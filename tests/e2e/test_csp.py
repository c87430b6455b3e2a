"""The Content-Security-Policy in a real browser: the main pages, their scripts (the header menu,
Leaflet on the map and the report form, Swagger UI on /api/docs/, the admin's) run under it, and
Chromium reports no violation of it on any of them."""

from __future__ import annotations

from typing import Any

import pytest

from cocity.deliberation import services as deliberation
from cocity.needs import services as needs

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-12345-long"

# records every violation the page reports (Playwright's init scripts are not subject to the
# page's policy)
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} ` +
                    `at ${e.sourceFile}:${e.lineNumber} (${e.sample})`);
});
"""


@pytest.fixture
def world(city: dict[str, Any]) -> dict[str, Any]:
    category = needs.category_create(
        code="fallen-tree", name="Fallen tree", department=city["departments"]["parks"]
    )
    report = needs.report_submit(
        category=category, lat=40.955, lon=-5.695, description="A branch on the path"
    )
    talk = deliberation.conversation_create(
        actor=city["users"]["official"],
        topic="How should we get around?",
        allow_anonymous=True,
        seed_statements=["More buses at night.", "Fix the potholes first.", "Plant trees."],
    )
    statements = list(talk.statements.order_by("number"))
    for i in range(12):
        for j, statement in enumerate(statements):
            value = 1 if (i + j) % 2 else -1
            deliberation.vote_cast(statement=statement, value=value, session_key=f"s{i}")
    return {**city, "report": report, "conversation": talk}


def test_the_main_pages_work_under_the_policy(
    live_server: Any, world: dict[str, Any], browser: Any
) -> None:
    context = browser.new_context(locale="en-GB")
    context.add_init_script(LISTEN)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    base = live_server.url
    report, talk = world["report"].pk, world["conversation"].pk
    visited: list[str] = []

    def visit(path: str, ready: str) -> None:
        response = page.goto(base + path)
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, f"{path}: {policy!r}"
        assert "unsafe-inline" not in policy
        page.locator(ready).first.wait_for(state="visible")
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__csp")
        assert found == [], f"{path}: {found}"
        assert console == [], f"{path}: {console}"
        visited.append(path)

    visit("/", "main#main")
    visit("/needs/", "main#main")
    visit("/needs/map/", ".leaflet-container")
    visit(f"/needs/{report}/", "main#main")
    visit("/needs/report/", ".leaflet-container")
    visit(f"/conversations/{talk}/", "main#main")
    visit(f"/conversations/{talk}/results/", "main#main")
    visit("/accounts/login/", "#id_login")
    visit("/api/docs/", ".swagger-ui .info")  # Swagger UI rendered the schema
    # the header menu's script runs: Escape closes the open menu
    page.goto(base + "/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#site-menu > summary").click()
    page.keyboard.press("Escape")
    assert page.locator("#site-menu").get_attribute("open") is None

    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill(world["users"]["admin"].email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/")
    visit("/admin/", "#content")
    visit("/admin/core/user/", "#changelist")
    visit(f"/admin/core/user/{world['users']['resident'].pk}/change/", "#content-main form")
    visit("/api/areas/", ".response-info")  # the browsable API
    assert len(visited) == 13
    context.close()
