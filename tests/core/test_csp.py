"""The Content-Security-Policy (django-csp) on every page, and pages that keep to it.

The browser test tests/e2e/test_csp.py loads the same pages in Chromium and fails on any
violation the browser reports (scripts such as Leaflet's and Swagger UI's included).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cocity.deliberation import services as deliberation
from cocity.needs import services as needs

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city: dict[str, Any]) -> dict[str, Any]:
    category = needs.category_create(
        code="fallen-tree", name="Fallen tree", department=city["departments"]["parks"]
    )
    report = needs.report_submit(
        category=category, lat=40.955, lon=-5.695, description="A branch on the path"
    )
    conversation = deliberation.conversation_create(
        actor=city["users"]["official"],
        topic="How should we get around?",
        description="Transport.",
        allow_anonymous=True,
        seed_statements=["More buses at night.", "Fix the potholes first."],
    )
    return {**city, "report": report, "conversation": conversation}


def pages(world: dict[str, Any]) -> list[str]:
    report, conversation = world["report"].pk, world["conversation"].pk
    return [
        "/",
        "/districts/n1/",
        "/needs/",
        "/needs/map/",
        f"/needs/{report}/",
        "/needs/report/",
        "/conversations/",
        f"/conversations/{conversation}/",
        f"/conversations/{conversation}/results/",
        "/challenges/",
        "/accounts/login/",
        "/accounts/signup/",
        "/api/docs/",
        "/api/areas/",  # the browsable API
        "/admin/",
        "/admin/core/user/",
        "/no-such-page/",
    ]


def _policy(res: Any) -> dict[str, list[str]]:
    header = res.get("Content-Security-Policy")
    assert header, f"{res.request['PATH_INFO']}: no Content-Security-Policy header"
    directives = [d.strip().split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


# inline code the policy blocks: style attributes, <style> elements, <script> without src (a
# JSON data block, type="application/json", is not code), event-handler attributes, javascript:
INLINE = [
    re.compile(r"<[a-z][^>]*\sstyle=", re.I),
    re.compile(r"<style[\s>]", re.I),
    re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I),
    re.compile(r"href=\"javascript:", re.I),
]


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_every_page_carries_a_strict_policy_and_no_inline_code(
    world: dict[str, Any], who: str
) -> None:
    client = Client()
    if who == "admin":
        assert client.login(email=world["users"]["admin"].email, password="pw-12345-long")
    for path in pages(world):
        res = client.get(path, HTTP_ACCEPT="text/html")
        assert res.status_code in (200, 302, 404), (path, res.status_code)
        policy = _policy(res)
        header = res["Content-Security-Policy"]
        assert "unsafe-inline" not in header, path
        assert "unsafe-eval" not in header, path
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert "Content-Security-Policy-Report-Only" not in res
        if res.status_code == 200 and res["Content-Type"].startswith("text/html"):
            html = res.content.decode()
            for pattern in INLINE:
                found = pattern.search(html)
                assert found is None, f"{path} ({who}): inline code {found and found.group(0)!r}"


def test_api_and_static_answers_carry_the_policy_too(world: dict[str, Any]) -> None:
    assert _policy(Client().get("/api/areas/", HTTP_ACCEPT="application/json"))
    script = Client().get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_map_tiles_are_allowed_from_the_configured_tile_server(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    for url, expected in [
        ("", "'self' data:"),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "'self' data: https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "'self' data: https://*.tile.example.org"),
    ]:
        env = {**os.environ, "COCITY_VAR_DIR": str(tmp_path), "COCITY_TILE_URL": url}
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == expected
