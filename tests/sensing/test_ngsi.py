"""The NGSI-LD API: entities, queries, batch operations, temporal retrieval, media types and
ProblemDetails errors, as a standard client sends them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from tests.needs.conftest import needs  # noqa: F401 - the fixture, shared with the needs tests
from tests.sensing.conftest import air

from cocity.sensing.models import Reading, Sensor

pytestmark = pytest.mark.django_db

BASE = "/ngsi-ld/v1"
ERR = "https://uri.etsi.org/ngsi-ld/errors/"


def post(
    client: Client,
    path: str,
    body: Any,
    key: str | None,
    ctype: str = "application/json",
    **headers: str,
) -> Any:
    if key is not None:
        headers["X-Api-Key"] = key
    return client.post(BASE + path, json.dumps(body), content_type=ctype, headers=headers)


def error_type(response: Any) -> str:
    assert response["Content-Type"].startswith("application/json")
    kind = str(response.json()["type"])
    # the standard's types under ETSI's URI, cocity's own (401, 403, 406, 415) under its own
    return kind.removeprefix(ERR).removeprefix("https://cocity.example/problems/ngsi-ld/")


@pytest.fixture
def two(sensing: dict[str, Any], client: Client) -> dict[str, Any]:
    n1, s2 = sensing["points"]["n1"], sensing["points"]["s2"]
    r = post(
        client,
        "/entityOperations/create",
        [
            air("a1", *n1, pm25=8.0, pm10=20, name="Plaza"),
            air("a2", *s2, pm25=31.5, pm10=40),
        ],
        sensing["key"],
    )
    assert r.status_code == 201, r.content
    return sensing


def test_create_get_and_the_reading_is_stored(sensing: dict[str, Any], client: Client) -> None:
    lat, lon = sensing["points"]["n1"]
    r = post(client, "/entities/", air("x1", lat, lon, pm25=12.5), sensing["key"])
    assert r.status_code == 201
    assert r["Location"] == f"{BASE}/entities/urn:ngsi-ld:AirQualityObserved:x1"
    sensor = Sensor.objects.get(device_id="x1")
    assert sensor.area is not None
    assert sensor.area.code == "n1"
    assert Reading.objects.get(sensor=sensor).value == 12.5
    for path in (
        "/entities/urn:ngsi-ld:AirQualityObserved:x1",
        "/entities/urn:ngsi-ld:AirQualityObserved:x1/",
    ):
        got = client.get(BASE + path)
        assert got.status_code == 200
        assert got["Content-Type"] == "application/json"
        assert "ngsi-ld-core-context" in got["Link"]
        entity = got.json()
        assert entity["pm25"] == {
            "type": "Property",
            "value": 12.5,
            "observedAt": "2026-03-01T10:00:00Z",
            "unitCode": "GQ",
        }
        assert entity["location"]["value"]["coordinates"] == [lon, lat]
        assert "@context" not in entity
    kv = client.get(
        BASE + "/entities/urn:ngsi-ld:AirQualityObserved:x1?options=keyValues&attrs=pm25"
    ).json()
    assert kv == {
        "id": "urn:ngsi-ld:AirQualityObserved:x1",
        "type": "AirQualityObserved",
        "pm25": 12.5,
    }
    ld = client.get(
        BASE + "/entities/urn:ngsi-ld:AirQualityObserved:x1",
        headers={"Accept": "application/ld+json"},
    )
    assert ld["Content-Type"] == "application/ld+json"
    assert "@context" in ld.json()
    again = post(client, "/entities", air("x1", lat, lon, pm25=1.0), sensing["key"])
    assert again.status_code == 409
    assert error_type(again) == "AlreadyExists"


def test_writes_need_a_key_and_failed_writes_change_nothing(
    sensing: dict[str, Any], client: Client
) -> None:
    lat, lon = sensing["points"]["n1"]
    assert post(client, "/entities", air("k", lat, lon, pm25=1), None).status_code == 401
    assert post(client, "/entities", air("k", lat, lon, pm25=1), "wrong").status_code == 401
    refused = post(client, "/entities", air("k", lat, lon, pm25=1), sensing["fixed_key"])
    assert refused.status_code == 403
    bad = post(client, "/entities", air("k", lat, lon, pm25="high"), sensing["key"])
    assert bad.status_code == 400
    assert error_type(bad) == "BadRequestData"
    out = post(client, "/entities", air("k", 95, lon, pm25=1), sensing["key"])
    assert out.status_code == 400
    assert not Sensor.objects.exists()
    assert not Reading.objects.exists()


def test_media_types(sensing: dict[str, Any], client: Client) -> None:
    lat, lon = sensing["points"]["n1"]
    entity = air("m", lat, lon, pm25=1)
    r = post(client, "/entities", entity, sensing["key"], ctype="text/plain")
    assert r.status_code == 415
    assert r.json()["type"] == "https://cocity.example/problems/ngsi-ld/UnsupportedMediaType"
    r = post(client, "/entities", entity, sensing["key"], ctype="application/ld+json")
    assert r.status_code == 400
    assert error_type(r) == "BadRequestData"
    r = post(client, "/entities", {**entity, "@context": "x"}, sensing["key"])
    assert r.status_code == 400  # json with @context
    r = client.post(
        BASE + "/entities",
        "{nope",
        content_type="application/json",
        headers={"X-Api-Key": sensing["key"]},
    )
    assert r.status_code == 400
    assert error_type(r) == "InvalidRequest"
    assert not Sensor.objects.exists()
    r = post(
        client,
        "/entities",
        {**entity, "@context": ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"]},
        sensing["key"],
        ctype="application/ld+json",
    )
    assert r.status_code == 201
    r = client.get(BASE + "/entities?type=AirQualityObserved", headers={"Accept": "text/html"})
    assert r.status_code == 406


def test_query(two: dict[str, Any], client: Client) -> None:
    def ids(query: str, **headers: str) -> list[str]:
        r = client.get(BASE + "/entities?" + query, headers=headers)
        assert r.status_code == 200, r.content
        return sorted(e["id"].rsplit(":", 1)[1] for e in r.json())

    assert ids("type=AirQualityObserved") == ["a1", "a2"]
    assert ids("type=NoiseLevelObserved") == []
    assert ids("type=AirQualityObserved&q=pm25>15") == ["a2"]
    assert ids("type=AirQualityObserved&q=pm25<15;pm10==20") == ["a1"]
    assert ids("type=AirQualityObserved&q=pm25>30|name==%22Plaza%22") == ["a1", "a2"]
    assert ids("type=AirQualityObserved&q=pm25==5..10") == ["a1"]
    assert ids("id=urn:ngsi-ld:AirQualityObserved:a2") == ["a2"]
    assert ids("idPattern=.*a1") == ["a1"]
    assert ids("attrs=name") == ["a1"]
    # n1's centre is about 1.4 km from s2's: near with maxDistance splits them
    n1 = two["points"]["n1"]
    assert ids(
        f"type=AirQualityObserved&georel=near;maxDistance==500&geometry=Point&coordinates=[{n1[1]},{n1[0]}]"
    ) == ["a1"]
    assert ids(
        f"type=AirQualityObserved&georel=near;minDistance==500&geometry=Point&coordinates=[{n1[1]},{n1[0]}]"
    ) == ["a2"]
    square = "[[[-5.70,40.96],[-5.69,40.96],[-5.69,40.97],[-5.70,40.97],[-5.70,40.96]]]"
    assert ids(f"type=AirQualityObserved&georel=within&geometry=Polygon&coordinates={square}") == [
        "a1"
    ]
    page = client.get(BASE + "/entities?type=AirQualityObserved&limit=1&offset=1&count=true")
    assert page["NGSILD-Results-Count"] == "2"
    assert len(page.json()) == 1
    only = client.get(BASE + "/entities?type=AirQualityObserved&limit=0&count=true")
    assert only.json() == []
    assert only["NGSILD-Results-Count"] == "2"
    kv = client.get(
        BASE + "/entities?type=AirQualityObserved&options=keyValues&q=pm25>15&attrs=pm25"
    ).json()
    assert kv == [
        {"id": "urn:ngsi-ld:AirQualityObserved:a2", "type": "AirQualityObserved", "pm25": 31.5}
    ]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "type=AirQualityObserved&q=pm25>>1",
        "type=AirQualityObserved&limit=5000",
        "type=AirQualityObserved&limit=0",
        "type=AirQualityObserved&offset=-1",
        "type=AirQualityObserved&georel=near;maxDistance==10&geometry=Point",
        "type=AirQualityObserved&georel=nowhere&geometry=Point&coordinates=[1,2]",
        "type=AirQualityObserved&georel=within&geometry=Polygon&coordinates=[1,2]",
        "idPattern=(",
        "type=AirQualityObserved&limit=x",
    ],
)
def test_bad_queries(client: Client, query: str) -> None:
    r = client.get(BASE + "/entities?" + query)
    assert r.status_code == 400
    assert error_type(r) == "BadRequestData"
    assert r.json()["title"]
    assert r.json()["detail"]


def test_patch_attrs_adds_readings_and_delete(two: dict[str, Any], client: Client) -> None:
    path = BASE + "/entities/urn:ngsi-ld:AirQualityObserved:a1/attrs"
    body = {"pm25": {"type": "Property", "value": 9.5, "observedAt": "2026-03-01T11:00:00Z"}}
    r = client.patch(
        path, json.dumps(body), content_type="application/json", headers={"X-Api-Key": two["key"]}
    )
    assert r.status_code == 204
    assert sorted(
        Reading.objects.filter(sensor__device_id="a1", quantity="pm25").values_list(
            "value", flat=True
        )
    ) == [8.0, 9.5]
    partial = client.patch(
        path + "/",
        json.dumps({**body, "colour": "red"}),
        content_type="application/json",
        headers={"X-Api-Key": two["key"]},
    )
    assert partial.status_code == 207
    assert partial.json()["notUpdated"][0]["attributeName"] == "colour"
    no_key = client.delete(BASE + "/entities/urn:ngsi-ld:AirQualityObserved:a1")
    assert no_key.status_code == 401
    gone = client.delete(
        BASE + "/entities/urn:ngsi-ld:AirQualityObserved:a1", headers={"X-Api-Key": two["key"]}
    )
    assert gone.status_code == 204
    missing = client.get(BASE + "/entities/urn:ngsi-ld:AirQualityObserved:a1")
    assert missing.status_code == 404
    assert error_type(missing) == "ResourceNotFound"
    assert not Reading.objects.filter(sensor__device_id="a1").exists()


def test_batch_partial_results(two: dict[str, Any], client: Client) -> None:
    n1 = two["points"]["n1"]
    r = post(
        client,
        "/entityOperations/create",
        [air("a1", *n1, pm25=1), air("a3", *n1, pm25=2)],
        two["key"],
    )
    assert r.status_code == 207
    body = r.json()
    assert body["success"] == ["urn:ngsi-ld:AirQualityObserved:a3"]
    assert body["errors"][0]["entityId"] == "urn:ngsi-ld:AirQualityObserved:a1"
    assert body["errors"][0]["error"]["type"] == ERR + "AlreadyExists"
    # upsert: a repeated observation is stored once; a new one makes 201 with its id
    again = [air("a1", *n1, pm25=8.0, pm10=20), air("a4", *n1, pm25=3)]
    r = post(client, "/entityOperations/upsert", again, two["key"])
    assert r.status_code == 201
    assert r.json() == ["urn:ngsi-ld:AirQualityObserved:a4"]
    assert Reading.objects.filter(sensor__device_id="a1").count() == 2
    r = post(client, "/entityOperations/upsert", again, two["key"])
    assert r.status_code == 204
    r = post(client, "/entityOperations/update", [air("zz", *n1, pm25=1)], two["key"])
    assert r.status_code == 207
    assert r.json()["errors"][0]["error"]["type"] == ERR + "ResourceNotFound"
    r = post(
        client,
        "/entityOperations/delete",
        ["urn:ngsi-ld:AirQualityObserved:a3", "urn:ngsi-ld:AirQualityObserved:nope"],
        two["key"],
    )
    assert r.status_code == 207
    assert r.json()["success"] == ["urn:ngsi-ld:AirQualityObserved:a3"]
    r = post(client, "/entityOperations/delete", ["urn:ngsi-ld:AirQualityObserved:a4"], two["key"])
    assert r.status_code == 204
    assert post(client, "/entityOperations/create", [], two["key"]).status_code == 400


def test_temporal(two: dict[str, Any], client: Client) -> None:
    n1 = two["points"]["n1"]
    batch = [air("a1", *n1, pm25=float(h), at=f"2026-03-01T{h:02d}:30:00Z") for h in range(12, 18)]
    for entity in batch:
        assert post(client, "/entityOperations/upsert", [entity], two["key"]).status_code == 204
    path = BASE + "/temporal/entities/urn:ngsi-ld:AirQualityObserved:a1"

    def values(query: str) -> list[float]:
        r = client.get(path + query)
        assert r.status_code == 200, r.content
        return [i["value"] for i in r.json().get("pm25", [])]

    assert values("?attrs=pm25") == [8.0, 12, 13, 14, 15, 16, 17]
    assert values("?attrs=pm25&lastN=2") == [16, 17]
    assert values("?timerel=before&timeAt=2026-03-01T13:00:00Z") == [8.0, 12]
    assert values("?timerel=after&timeAt=2026-03-01T16:00:00Z") == [16, 17]
    assert values(
        "?timerel=between&timeAt=2026-03-01T13:00:00Z&endTimeAt=2026-03-01T15:00:00Z"
    ) == [13, 14]
    simple = client.get(path + "/?attrs=pm25&lastN=1&options=temporalValues").json()
    assert simple["pm25"]["values"] == [[17.0, "2026-03-01T17:30:00Z"]]
    for bad in (
        "?timerel=between&timeAt=2026-03-01T13:00:00Z",
        "?timerel=after",
        "?timerel=soon&timeAt=2026-03-01T13:00:00Z",
        "?lastN=0",
        "?timerel=after&timeAt=yesterday",
    ):
        assert client.get(path + bad).status_code == 400, bad
    assert (
        client.get(BASE + "/temporal/entities/urn:ngsi-ld:AirQualityObserved:none").status_code
        == 404
    )


def test_open311_reports_are_mirrored_read_only(
    client: Client,
    needs: dict[str, Any],  # noqa: F811 - the imported fixture
) -> None:
    from cocity.needs import services
    from cocity.sensing.services import sensor_key_create

    lat, lon = needs["points"]["n1"]
    report = services.report_submit(
        category=needs["categories"]["tree"],
        description="A tree fell",
        lat=lat,
        lon=lon,
        reporter=needs["users"]["resident"],
    )
    ident = f"urn:ngsi-ld:Open311ServiceRequest:{report.pk}"
    got = client.get(f"{BASE}/entities/{ident}")
    assert got.status_code == 200
    assert got.json()["service_code"]["value"] == "fallen-tree"
    listed = client.get(
        BASE + "/entities?type=Open311ServiceRequest&q=status==%22open%22&options=keyValues"
    ).json()
    assert [e["id"] for e in listed] == [ident]
    _, key = sensor_key_create(name="k")
    r = client.delete(f"{BASE}/entities/{ident}", headers={"X-Api-Key": key})
    assert r.status_code == 422
    assert error_type(r) == "OperationNotSupported"
    assert (
        client.get(f"{BASE}/entities/urn:ngsi-ld:Open311ServiceRequest:999999").status_code == 404
    )


def test_wrong_method_and_unsafe_text(client: Client, sensing: dict[str, Any]) -> None:
    r = client.put(BASE + "/entities", "{}", content_type="application/json")
    assert r.status_code == 405
    assert error_type(r) == "InvalidRequest"
    r = client.get(BASE + "/entities?type=Air%00")
    assert r.status_code == 400
    assert error_type(r) == "BadRequestData"


def test_temporal_times_keep_their_fractions(two: dict[str, Any], client: Client) -> None:
    """Times come back as sent, in UTC with a Z, with their fraction of a second when they have
    one (PostgreSQL formats them itself; SQLite through Python: both must agree)."""
    n1 = two["points"]["n1"]
    sent = [
        air("a1", *n1, pm25=1.0, at="2026-03-01T10:00:00+02:00"),
        air("a1", *n1, pm25=2.0, at="2026-03-01T10:00:00.250Z"),
        air("a1", *n1, pm25=3.0, at="2026-03-01T10:00:01.000001Z"),
    ]
    assert post(client, "/entityOperations/upsert", sent, two["key"]).status_code == 204
    path = BASE + "/temporal/entities/urn:ngsi-ld:AirQualityObserved:a1?attrs=pm25"
    times = [i["observedAt"] for i in client.get(path).json()["pm25"]]
    assert times == [
        "2026-03-01T08:00:00Z",
        "2026-03-01T10:00:00Z",  # the fixture's reading
        "2026-03-01T10:00:00.250000Z",
        "2026-03-01T10:00:01.000001Z",
    ]
    simple = client.get(path + "&options=temporalValues&lastN=1").json()
    assert simple["pm25"]["values"] == [[3.0, "2026-03-01T10:00:01.000001Z"]]
