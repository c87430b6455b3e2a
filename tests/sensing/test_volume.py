"""Readings at volume: a batch upsert big enough to take the bulk path (COPY on PostgreSQL,
one executemany on SQLite) stores each reading once and keeps each sensor's latest values; a
bad entity in a batch gets its own error and the others are written; entity queries are
narrowed by the database (only the sensors that can match are rendered) and answer exactly
what the query means."""

from __future__ import annotations

import functools
import json
import random
from typing import Any

import pytest
from django.test import Client
from tests.sensing.conftest import air

from cocity.compute.sensing import q as qlang
from cocity.sensing import ngsi, services
from cocity.sensing.entities import lookup, sensor_entity
from cocity.sensing.models import Reading, Sensor

pytestmark = pytest.mark.django_db

BASE = "/ngsi-ld/v1"


def upsert(client: Client, key: str, body: list[dict[str, Any]]) -> Any:
    return client.post(
        BASE + "/entityOperations/upsert",
        json.dumps(body),
        content_type="application/json",
        headers={"X-Api-Key": key},
    )


def fleet(n: int, hour: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed + hour)
    lat0, lon0 = 40.955, -5.70
    out = []
    for i in range(n):
        entity = air(
            f"v{i:03d}",
            lat0 + (i % 10) * 0.001,
            lon0 + (i // 10) * 0.001,
            pm25=round(rng.uniform(1, 80), 1),
            pm10=round(rng.uniform(1, 120), 1),
            no2=float(i),
            at=f"2026-03-01T{hour:02d}:00:00Z",
        )
        if i % 3 == 0:
            entity["floor"] = {"type": "Property", "value": i % 7}
        if i % 4 == 0:
            entity["name"] = {"type": "Property", "value": f"Station {i}"}
        out.append(entity)
    return out


def test_a_big_batch_is_stored_once_with_latest_values(
    sensing: dict[str, Any], client: Client
) -> None:
    key = sensing["key"]
    assert services.COPY_MIN_ROWS <= 200 * 3  # this batch takes the bulk path
    assert upsert(client, key, fleet(200, 10)).status_code == 201
    second = fleet(200, 11)
    assert upsert(client, key, second).status_code == 204
    assert upsert(client, key, second).status_code == 204  # the same again: nothing new
    assert Reading.objects.count() == 200 * 3 * 2
    sensor = Sensor.objects.get(device_id="v007")
    assert sensor.quantities["pm25"] == {
        "unitCode": "GQ",
        "value": second[7]["pm25"]["value"],
        "observedAt": "2026-03-01T11:00:00Z",
    }
    # an older reading arriving late is stored but does not become the latest
    late = fleet(200, 9)
    assert upsert(client, key, late).status_code == 204
    sensor.refresh_from_db()
    assert sensor.quantities["pm25"]["observedAt"] == "2026-03-01T11:00:00Z"
    assert Reading.objects.count() == 200 * 3 * 3


def test_a_bad_entity_gets_its_error_and_the_rest_is_written(
    sensing: dict[str, Any], client: Client
) -> None:
    batch = fleet(5, 10)
    batch[1]["pm25"]["value"] = "high"  # not a number
    batch[3]["location"]["value"]["coordinates"] = [500, 0]  # out of range
    batch.append(dict(batch[0], id="urn:ngsi-ld:AirQualityObserved:v000"))  # twice: fine
    r = upsert(client, sensing["key"], batch)
    assert r.status_code == 207
    body = r.json()
    assert sorted(e["entityId"].rsplit(":", 1)[1] for e in body["errors"]) == ["v001", "v003"]
    assert all(e["error"]["type"].endswith("BadRequestData") for e in body["errors"])
    assert sorted(Sensor.objects.values_list("device_id", flat=True)) == ["v000", "v002", "v004"]
    assert Reading.objects.count() == 3 * 3
    # another key may not write these sensors: 403 entries, nothing written
    _, other = services.sensor_key_create(name="other")
    r = upsert(client, other, fleet(3, 12))
    assert r.status_code == 207
    assert [e["error"]["status"] for e in r.json()["errors"]] == [403, 403]
    assert Reading.objects.count() == 3 * 3 + 3  # v001, new, is the other key's own


QUERIES = [
    "pm25>40",
    "pm25<=20;pm10>60",
    "pm25==10..30",
    "pm25!=10..30",
    "no2==1,5,9,150",
    "no2!=1,5,9",
    "floor==3",
    "floor!=3",
    "floor",
    "floor>=4|pm25<5",
    "(pm25>70|pm10<10);no2<100",
    "name",
    'name=="Station 8"',
    'pm25.observedAt>="2026-03-01T10:00:00Z"',
    'pm25>30|name=="Station 4"',
    "o3",
]


def test_queries_are_narrowed_in_the_database_and_stay_exact(
    sensing: dict[str, Any], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert upsert(client, sensing["key"], fleet(120, 10)).status_code == 201
    everything = [sensor_entity(s) for s in Sensor.objects.select_related("area")]
    rendered: list[str] = []

    def counting(sensor: Sensor) -> dict[str, Any]:
        rendered.append(sensor.device_id)
        return sensor_entity(sensor)

    monkeypatch.setattr(ngsi, "sensor_entity", counting)
    for q in QUERIES:
        expected = sorted(
            e["id"]
            for e in everything
            if qlang.evaluate(qlang.parse(q), functools.partial(lookup, e))
        )
        rendered.clear()
        r = client.get(BASE + "/entities", {"type": "AirQualityObserved", "q": q, "limit": 1000})
        assert r.status_code == 200, (q, r.content)
        assert sorted(e["id"] for e in r.json()) == expected, q
    # numeric conditions on quantities are decided by the database: only matches are rendered
    rendered.clear()
    r = client.get(BASE + "/entities", {"type": "AirQualityObserved", "q": "no2<5", "limit": 50})
    assert len(r.json()) == 5
    assert sorted(rendered) == ["v000", "v001", "v002", "v003", "v004"]
    # no condition left: the database counts and pages
    rendered.clear()
    r = client.get(
        BASE + "/entities", {"type": "AirQualityObserved", "limit": 7, "offset": 3, "count": "true"}
    )
    assert r["NGSILD-Results-Count"] == "120"
    assert [e["id"].rsplit(":", 1)[1] for e in r.json()] == [f"v{i:03d}" for i in range(3, 10)]
    assert len(rendered) == 7
    # near: only the sensors in the circle's box are rendered (v011, in the box's corner, is
    # 139 m away)
    rendered.clear()
    r = client.get(
        BASE + "/entities",
        {
            "type": "AirQualityObserved",
            "georel": "near;maxDistance==120",
            "geometry": "Point",
            "coordinates": "[-5.70,40.955]",
            "limit": 100,
        },
    )
    near = sorted(e["id"].rsplit(":", 1)[1] for e in r.json())
    assert near == ["v000", "v001", "v010"]
    assert sorted(rendered) == ["v000", "v001", "v010", "v011"]
