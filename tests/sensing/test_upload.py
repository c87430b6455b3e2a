"""Batch upload of readings by data stewards: the page and the API, all or nothing, errors by
line, readings stored once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.needs.conftest import needs  # noqa: F401 - the fixture, shared with the needs tests
from tests.sensing.conftest import air
from tests.sensing.test_ngsi import post

from cocity.sensing.models import Reading

pytestmark = pytest.mark.django_db

GOOD = (
    "device,quantity,observed_at,value\n"
    "up-1,pm25,2026-03-01T10:00:00Z,12.5\n"
    "urn:ngsi-ld:AirQualityObserved:up-1,pm25,2026-03-01T11:00:00+01:00,13\n"
    "up-1,no2,2026-03-01T10:00:00Z,40\n"
)


@pytest.fixture
def known(sensing: dict[str, Any], client: Client) -> dict[str, Any]:
    lat, lon = sensing["points"]["n1"]
    assert post(client, "/entities", air("up-1", lat, lon), sensing["key"]).status_code == 201
    return sensing


def test_api_upload_csv_then_again(known: dict[str, Any], client: Client) -> None:
    headers = {"X-Api-Key": known["key"]}
    r = client.post("/api/sensing/readings/upload", GOOD, content_type="text/csv", headers=headers)
    assert r.status_code == 201, r.content
    assert r.json() == {"rows": 3, "new": 2, "sensors": 1}  # 11:00+01:00 is 10:00Z again
    again = client.post(
        "/api/sensing/readings/upload", GOOD, content_type="text/csv", headers=headers
    )
    assert again.json()["new"] == 0
    assert Reading.objects.count() == 2


def test_api_upload_is_all_or_nothing_with_errors_by_line(
    known: dict[str, Any], client: Client
) -> None:
    rows = [
        {"device": "up-1", "quantity": "pm25", "observed_at": "2026-03-01T10:00:00Z", "value": 9},
        {"device": "nobody", "quantity": "pm25", "observed_at": "2026-03-01T10:00:00Z", "value": 1},
        {"device": "up-1", "quantity": "LAeq", "observed_at": "2026-03-01T10:00:00Z", "value": 1},
        {"device": "up-1", "quantity": "pm25", "observed_at": "2026-03-01 10:00", "value": "x"},
    ]
    r = client.post(
        "/api/sensing/readings/upload",
        json.dumps(rows),
        content_type="application/json",
        headers={"X-Api-Key": known["key"]},
    )
    assert r.status_code == 400
    assert r["Content-Type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert sorted(errors) == ["line 2", "line 3", "line 4"]
    assert "nobody" in errors["line 2"][0]
    assert len(errors["line 4"]) == 2  # no time zone, not a number
    assert not Reading.objects.exists()
    # another provider's key may not write this sensor; no key at all: 401
    other = client.post(
        "/api/sensing/readings/upload",
        json.dumps(rows[:1]),
        content_type="application/json",
        headers={"X-Api-Key": known["fixed_key"]},
    )
    assert other.status_code == 400
    assert "may not write" in other.json()["errors"]["line 1"][0]
    assert (
        client.post("/api/sensing/readings/upload", GOOD, content_type="text/csv").status_code
        == 401
    )


def test_upload_page(known: dict[str, Any], client: Client) -> None:
    assert client.get("/sensors/upload/").status_code == 302  # to the login page
    client.force_login(known["users"]["resident"])
    assert client.get("/sensors/upload/").status_code == 403
    client.force_login(known["users"]["official"])
    bad = SimpleUploadedFile("r.csv", b"device,quantity,value\nup-1,pm25,3\n")
    r = client.post("/sensors/upload/", {"file": bad})
    assert r.status_code == 200
    assert "observed_at" in r.content.decode()
    wrong = SimpleUploadedFile("r.csv", (GOOD + "up-1,pm25,2026-03-01T12:00:00Z,high\n").encode())
    r = client.post("/sensors/upload/", {"file": wrong})
    assert "line 5" in r.content.decode()
    assert not Reading.objects.exists()
    good = SimpleUploadedFile("r.csv", GOOD.encode())
    r = client.post("/sensors/upload/", {"file": good}, follow=True)
    assert "3 readings accepted for 1 sensors; 2 were new" in r.content.decode()
    assert Reading.objects.count() == 2
