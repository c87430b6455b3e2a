"""Input that a database or XML cannot hold (NUL, other C0 controls, lone surrogates) is refused
at every door with that door's error format, and nothing is written; the XML feed stays
well-formed even over rows stored before the check existed."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from cocity.core.models import AuditEntry
from cocity.needs import services
from cocity.needs.models import Report

pytestmark = pytest.mark.django_db

BAD = ["\x00", "\x0b", "\x1f", "\ufffe"]


def _open311_post(client: Client, needs: dict[str, Any], fmt: str, **fields: str) -> Any:
    lat, lon = needs["points"]["n1"]
    data = {
        "api_key": needs["api_key"],
        "service_code": "fallen-tree",
        "description": "A tree on the path",
        "lat": str(lat),
        "long": str(lon),
        **fields,
    }
    return client.post(f"/open311/v2/requests.{fmt}", data)


def _nothing_written(before: int) -> None:
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("char", BAD)
@pytest.mark.parametrize("field", ["description", "address_string", "email", "service_code"])
def test_open311_post_refuses_unsafe_text_in_json(
    client: Client, needs: dict[str, Any], char: str, field: str
) -> None:
    before = AuditEntry.objects.count()
    res = _open311_post(client, needs, "json", **{field: f"a{char}b"})
    assert res.status_code == 400
    body = res.json()
    assert body[0]["code"] == 400
    assert "control characters" in body[0]["description"]
    _nothing_written(before)


def test_open311_post_refuses_nul_in_xml(client: Client, needs: dict[str, Any]) -> None:
    before = AuditEntry.objects.count()
    res = _open311_post(client, needs, "xml", description="a\x00b")
    assert res.status_code == 400
    root = ET.fromstring(res.content)
    assert root.tag == "errors"
    assert root.find("error/code").text == "400"
    _nothing_written(before)


@pytest.mark.parametrize(
    "url",
    [
        "/open311/v2/requests.json?service_code=a%00b",
        "/open311/v2/requests.json?status=open%0B",
        "/open311/v2/tokens/ab%00cd.json",
    ],
)
def test_open311_reads_refuse_unsafe_query_and_path(client: Client, needs: Any, url: str) -> None:
    res = client.get(url)
    assert res.status_code == 400
    assert res.json()[0]["code"] == 400


def test_html_pages_refuse_nul_in_the_path_and_query(client: Client, needs: Any) -> None:
    for url in ["/needs/track/abc%00def/", "/audit/?page=1%00", "/needs/?category=%00"]:
        res = client.get(url)
        assert res.status_code == 400, url
        assert b"control characters" in res.content
        assert res["Content-Type"].startswith("text/html")


def test_rest_api_refuses_unsafe_text_as_problem_json(client: Client, needs: Any) -> None:
    res = client.get("/api/audit/?object_type=%00")
    assert res.status_code == 400
    assert res["Content-Type"] == "application/problem+json"
    assert res.json()["code"] == "unsafe_text"
    client.force_login(needs["users"]["resident"])
    lat, lon = needs["points"]["n1"]
    before = AuditEntry.objects.count()
    res = client.post(
        "/api/needs/reports/",
        json.dumps(
            {"category": "fallen-tree", "description": "tree\u0000", "lat": lat, "lon": lon}
        ),
        content_type="application/json",
    )
    assert res.status_code == 400
    assert res.json()["code"] == "unsafe_text"
    _nothing_written(before)


def test_sms_body_with_nul_is_refused(client: Client, needs: dict[str, Any]) -> None:
    before = AuditEntry.objects.count()
    res = client.post(
        "/needs/sms/",
        {"From": "+34 600 123 456", "Body": "Fallen tree near s1\x00"},
        HTTP_X_API_KEY=needs["api_key"],
    )
    assert res.status_code == 400
    _nothing_written(before)


def test_web_form_with_a_control_character_is_refused(client: Client, needs: Any) -> None:
    client.force_login(needs["users"]["resident"])
    before = AuditEntry.objects.count()
    res = client.post("/needs/report/", {"description": "tree\x0bdown", "category": "fallen-tree"})
    assert res.status_code == 400
    _nothing_written(before)


def test_xml_feed_stays_well_formed_over_old_rows(client: Client, needs: dict[str, Any]) -> None:
    lat, lon = needs["points"]["n1"]
    report = services.report_submit(
        category=needs["categories"]["tree"], description="clean", lat=lat, lon=lon
    )
    # a row stored before input was checked (SQLite accepts the character; PostgreSQL keeps any
    # character but NUL)
    Report.objects.filter(pk=report.pk).update(description="vertical\x0btab")
    res = client.get("/open311/v2/requests.xml")
    assert res.status_code == 200
    root = ET.fromstring(res.content)  # raises on a malformed document
    assert root.find("request/description").text == "verticaltab"
