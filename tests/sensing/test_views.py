"""The sensing pages, in English and Spanish, without JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from cocity.sensing import services

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def sensor(sensing: dict[str, Any]) -> Any:
    lat, lon = sensing["points"]["n1"]
    values = [20 + (i % 6) * 0.9 + (i % 4) * 0.4 for i in range(72)]
    values[30] = 800.0  # a spike the checks flag
    sensor = services.sensor_register(
        device_id="plaza-1",
        entity_type="AirQualityObserved",
        owner=None,
        lat=lat,
        lon=lon,
        name="Plaza Mayor",
        measures=[
            services.Measure("pm25", START + timedelta(hours=i), v) for i, v in enumerate(values)
        ],
    )
    services.sensor_check_quality(sensor=sensor, now=START + timedelta(hours=72))
    return sensor


def test_list_map_and_nav(client: Client, sensor: Any) -> None:
    page = client.get("/sensors/").content.decode()
    assert "Plaza Mayor" in page
    assert "<circle" in page
    assert f'href="/sensors/{sensor.pk}/"' in page
    assert 'href="/sensors/"' in page  # the header's "Sensors"
    es = client.get("/sensors/", headers={"Accept-Language": "es"}).content.decode()
    assert "Sensores" in es
    assert "Calidad del aire" in es


def test_sensor_page_shows_flagged_readings_and_why(client: Client, sensor: Any) -> None:
    res = client.get(f"/sensors/{sensor.pk}/")
    page = res.content.decode()
    assert res.status_code == 200
    assert 'class="flagged"' in page
    assert "<polyline" in page
    assert "spike: far from the readings around it" in page
    assert "800.0" in page
    es = client.get(f"/sensors/{sensor.pk}/", headers={"Accept-Language": "es"}).content.decode()
    assert "Lecturas marcadas y por qué" in es
    assert client.get(f"/sensors/{sensor.pk}/?quantity=no2").status_code == 404
    assert client.get("/sensors/999999/").status_code == 404


def test_district_page_leaves_flagged_readings_out(client: Client, sensor: Any) -> None:
    page = client.get("/sensors/districts/n1/").content.decode()
    assert "PM2.5" in page
    assert "800" not in page  # the spike is no day's maximum
    assert client.get("/sensors/districts/n2/").status_code == 200
    es = client.get("/sensors/districts/n1/", headers={"Accept-Language": "es"}).content.decode()
    assert "Cobertura" in es
    assert client.get("/sensors/districts/nowhere/").status_code == 404


def test_sensor_dates_read_as_the_rest_of_the_site_in_spanish(client: Client, sensor: Any) -> None:
    page = client.get(f"/sensors/{sensor.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert re.search(r"<td>[a-zé]+ \d{1,2} mar 2026</td>", page)  # the daily means' days
    assert re.search(r">\d{1,2} mar</text>", page)  # the chart's days
    assert not re.search(r"\b\d{1,2} Mar\b", page)
