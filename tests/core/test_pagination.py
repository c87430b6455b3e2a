"""Every REST list takes ``limit`` and ``offset`` as whole numbers in range, capped at 200 rows,
and refuses anything else with 400 problem+json; Open311 answers 405 and 414 in its own error
array."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from cocity.core import services

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/areas/",
    "/api/departments/",
    "/api/organisations/",
    "/api/audit/",
    "/api/conversations/",
    "/api/needs/reports/",
]
BAD = ["99999999999999999999", "-1", "abc", "1.5", "0x10", "1e3", "٣"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("value", [*BAD, "201", "1000000"])
def test_a_page_size_out_of_range_is_a_clear_400(
    client: Client, city: dict[str, Any], url: str, value: str
) -> None:
    res = client.get(url, {"limit": value})
    assert res.status_code == 400
    assert res["Content-Type"] == "application/problem+json"
    assert "limit" in res.json()["errors"]


@pytest.mark.parametrize("url", [u for u in LISTS if "reports" not in u])
@pytest.mark.parametrize("value", [*BAD, "2147483648"])
def test_an_offset_out_of_range_is_a_clear_400(
    client: Client, city: dict[str, Any], url: str, value: str
) -> None:
    res = client.get(url, {"offset": value})
    assert res.status_code == 400
    assert "offset" in res.json()["errors"]


def test_pages_hold_what_was_asked(client: Client, city: dict[str, Any]) -> None:
    for i in range(5):
        services.department_create(code=f"d{i}", name=f"Department {i}")
    total = client.get("/api/audit/").json()["count"]
    assert total > 5
    page = client.get("/api/audit/", {"limit": 2, "offset": 1}).json()
    assert len(page["results"]) == 2
    assert page["count"] == total
    assert len(client.get("/api/audit/", {"limit": 200}).json()["results"]) == min(total, 200)
    far = client.get("/api/audit/", {"offset": 2147483647}).json()
    assert far["results"] == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_405_in_its_error_array(client: Client, fmt: str) -> None:
    res = client.delete(f"/open311/v2/services.{fmt}")
    assert res.status_code == 405
    assert res["Allow"] == "GET"
    if fmt == "json":
        assert res.json()[0]["code"] == 405
    else:
        assert ET.fromstring(res.content).find("error/code").text == "405"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_414_in_its_error_array(client: Client, city: Any, fmt: str) -> None:
    res = client.get(f"/open311/v2/requests.{fmt}", {"service_code": "x" * 3000})
    assert res.status_code == 414
    if fmt == "json":
        assert res.json()[0]["code"] == 414
    else:
        assert ET.fromstring(res.content).find("error/code").text == "414"
