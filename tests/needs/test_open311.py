"""Contract tests of the Open311 GeoReport v2 server, every endpoint in JSON and XML."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cocity.needs import services
from cocity.needs.models import Channel, Open311Key, Report, Status

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
FORMATS = ["json", "xml"]

Submit = Callable[..., Report]


def parse(res: Any, fmt: str) -> Any:
    body = res.content.decode()
    if fmt == "json":
        assert res["Content-Type"].startswith("application/json")
        return json.loads(body)
    assert res["Content-Type"].startswith("text/xml")
    assert body.startswith("<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(res.content)


def errors(res: Any, fmt: str) -> list[tuple[str, str]]:
    data = parse(res, fmt)
    if fmt == "json":
        return [(str(e["code"]), e["description"]) for e in data]
    assert data.tag == "errors"
    return [(e.findtext("code") or "", e.findtext("description") or "") for e in data]


def requests_of(res: Any, fmt: str) -> list[dict[str, Any]]:
    data = parse(res, fmt)
    if fmt == "json":
        return data
    assert data.tag == "service_requests"
    return [{child.tag: child.text or "" for child in item} for item in data.findall("request")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client: Client, db: None, fmt: str) -> None:
    res = client.get(f"{BASE}/discovery.{fmt}")
    assert res.status_code == 200
    data = parse(res, fmt)
    if fmt == "json":
        assert data["contact"] == "noreply@localhost"  # COCITY_CONTACT_EMAIL's default
        assert "http://testserver/needs/open311-apps/" in data["key_service"]
        assert "administrator" in data["key_service"]
        endpoint = data["endpoints"][0]
        assert endpoint["url"] == "http://testserver/open311/v2/"
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert "text/xml" in endpoint["formats"]
    else:
        assert data.tag == "discovery"
        assert data.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2/"
        formats = [f.text for f in data.findall("endpoints/endpoint/formats/format")]
        assert formats == ["application/json", "text/xml"]


def test_key_page_explains_how_apps_ask_for_a_key(client: Client, db: None, settings: Any) -> None:
    settings.CONTACT_EMAIL = "apps@city.example"
    assert client.get(f"{BASE}/discovery.json").json()["contact"] == "apps@city.example"
    html = client.get("/needs/open311-apps/").content.decode()
    assert 'href="mailto:apps@city.example"' in html
    assert "http://testserver/open311/v2/discovery.json" in html
    client.cookies["django_language"] = "es"
    assert (
        "Para presentar avisos hace falta una clave"
        in client.get("/needs/open311-apps/").content.decode()
    )


def test_every_service_has_a_description(client: Client, needs: dict[str, Any]) -> None:
    services = client.get(f"{BASE}/services.json").json()
    assert {s["service_code"]: s["description"] for s in services} == {
        "pothole": "A hole in the road",
        "fallen-tree": "Fallen tree",  # no description: its name
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_services(client: Client, needs: dict[str, Any], fmt: str) -> None:
    res = client.get(f"{BASE}/services.{fmt}")
    assert res.status_code == 200
    data = parse(res, fmt)
    if fmt == "json":
        by_code = {s["service_code"]: s for s in data}
        assert by_code["pothole"]["metadata"] is True
        assert by_code["fallen-tree"]["metadata"] is False
        assert by_code["pothole"]["group"] == "Streets"
        assert by_code["pothole"]["type"] == "realtime"
        assert by_code["fallen-tree"]["group"] == "Parks"  # falls back to the department
    else:
        services_ = {s.findtext("service_code"): s for s in data.findall("service")}
        assert services_["pothole"].findtext("metadata") == "true"
        assert services_["fallen-tree"].findtext("metadata") == "false"
        assert services_["pothole"].findtext("keywords") == "road,hole"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_with_all_six_datatypes(
    client: Client, needs: dict[str, Any], fmt: str
) -> None:
    res = client.get(f"{BASE}/services/pothole.{fmt}")
    assert res.status_code == 200
    data = parse(res, fmt)
    if fmt == "json":
        assert data["service_code"] == "pothole"
        datatypes = [a["datatype"] for a in data["attributes"]]
        size = data["attributes"][0]
        assert size["required"] is True
        assert size["order"] == 1
        assert size["values"] == [
            {"key": "small", "name": "Small"},
            {"key": "large", "name": "Large"},
        ]
    else:
        assert data.tag == "service_definition"
        datatypes = [a.findtext("datatype") for a in data.findall("attributes/attribute")]
        values = data.findall("attributes/attribute/values/value")
        assert [v.findtext("key") for v in values[:2]] == ["small", "large"]
    assert sorted(datatypes) == sorted(
        ["singlevaluelist", "number", "multivaluelist", "datetime", "text", "string"]
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_is_404(client: Client, needs: dict[str, Any], fmt: str) -> None:
    res = client.get(f"{BASE}/services/unicorns.{fmt}")
    assert res.status_code == 404
    assert errors(res, fmt) == [("404", "Service 'unicorns' not found.")]


def post_request(client: Client, fmt: str, data: dict[str, Any], query: str = "") -> Any:
    return client.post(f"{BASE}/requests.{fmt}{query}", data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_creates_a_report(client: Client, needs: dict[str, Any], fmt: str) -> None:
    res = post_request(
        client,
        fmt,
        {
            "api_key": needs["api_key"],
            "service_code": "pothole",
            "lat": "40.955",
            "long": "-5.695",
            "description": "Big hole by the school",
            "address_string": "Calle del Río 3",
            "email": "someone@example.org",
            "attribute[size]": "large",
            "attribute[hazards][]": ["water", "traffic"],
            "attribute[note]": "",  # empty optional values count as absent
            "jurisdiction_id": "",
        },
    )
    assert res.status_code == 200, res.content
    [created] = requests_of(res, fmt)
    report = Report.objects.get(pk=int(created["service_request_id"]))
    assert created["token"] == report.tracking_token
    assert report.channel == Channel.API
    assert report.area == needs["areas"]["s1"]
    assert report.address == "Calle del Río 3"
    assert report.attributes == {"size": "large", "hazards": ["water", "traffic"]}
    assert report.api_key is not None
    assert report.api_key.name == "test app"


def test_api_key_may_come_in_the_query(client: Client, needs: dict[str, Any]) -> None:
    res = post_request(
        client,
        "json",
        {"service_code": "fallen-tree", "lat": "40.955", "long": "-5.685", "description": "Oak"},
        query=f"?api_key={needs['api_key']}",
    )
    assert res.status_code == 200
    assert Report.objects.get().category.code == "fallen-tree"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "stolen"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code is required"),
        ({"service_code": "unicorns"}, 400, "Unknown service code"),
        ({"lat": ""}, 400, "lat and long are required"),
        ({"long": "east"}, 400, "must be a number"),
        ({"lat": "41.5", "long": "-5.0"}, 400, "outside the city"),
        ({"description": " "}, 400, "description is required"),
        ({"attribute[size]": ""}, 400, "'size' is required"),
    ],
)
def test_post_request_errors(
    client: Client,
    needs: dict[str, Any],
    fmt: str,
    change: dict[str, str],
    status: int,
    fragment: str,
) -> None:
    data = {
        "api_key": needs["api_key"],
        "service_code": "pothole",
        "lat": "40.955",
        "long": "-5.695",
        "description": "Hole",
        "attribute[size]": "small",
    }
    data.update(change)
    res = post_request(client, fmt, data)
    assert res.status_code == status
    [(code, description)] = errors(res, fmt)
    assert code == str(status)
    assert fragment in description
    assert Report.objects.count() == 0


@pytest.fixture
def history(needs: dict[str, Any], submit: Submit) -> dict[str, Report]:
    """Four reports: two recent potholes (one fixed with a note), a tree, and an old pothole."""
    official = needs["users"]["official"]
    recent = submit(where=needs["points"]["n1"], address="Plaza 1")
    fixed = submit(where=needs["points"]["n2"])
    services.report_change_status(
        report=fixed, status=Status.FIXED, actor=official, note="Filled with asphalt"
    )
    tree = submit("tree", where=needs["points"]["s2"])
    old = submit(where=needs["points"]["s1"])
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))
    return {"recent": recent, "fixed": fixed, "tree": tree, "old": old}


def ids(res: Any, fmt: str) -> list[int]:
    assert res.status_code == 200, res.content
    return [int(r["service_request_id"]) for r in requests_of(res, fmt)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_filters(client: Client, history: dict[str, Report], fmt: str) -> None:
    h = {k: v.pk for k, v in history.items()}
    url = f"{BASE}/requests.{fmt}"
    # the default window is the last 90 days, newest first
    assert ids(client.get(url), fmt) == [h["tree"], h["fixed"], h["recent"]]
    assert ids(client.get(url, {"service_code": "pothole"}), fmt) == [h["fixed"], h["recent"]]
    assert ids(client.get(url, {"service_code": "pothole,fallen-tree"}), fmt) == [
        h["tree"],
        h["fixed"],
        h["recent"],
    ]
    assert ids(client.get(url, {"status": "closed"}), fmt) == [h["fixed"]]
    assert ids(client.get(url, {"status": "open,closed"}), fmt) == [
        h["tree"],
        h["fixed"],
        h["recent"],
    ]
    # empty optional parameters count as absent
    empty = {"service_code": "", "status": "", "start_date": "", "end_date": ""}
    assert ids(client.get(url, empty), fmt) == [h["tree"], h["fixed"], h["recent"]]
    # service_request_id overrides every other filter (even the date window)
    both = f"{h['old']},{h['tree']}"
    assert ids(client.get(url, {"service_request_id": both, "status": "closed"}), fmt) == [
        h["tree"],
        h["old"],
    ]
    old_day = (timezone.now() - timedelta(days=200)).date()
    window = {"start_date": f"{old_day - timedelta(days=1)}T00:00:00Z"}
    assert ids(client.get(url, window), fmt) == [h["old"]]
    window = {"end_date": f"{old_day + timedelta(days=1)}T00:00:00+00:00"}
    assert ids(client.get(url, window), fmt) == [h["old"]]
    # a range longer than 90 days is capped to the 90 days before end_date
    wide = {"start_date": f"{old_day - timedelta(days=5)}", "end_date": timezone.now().isoformat()}
    assert ids(client.get(url, wide), fmt) == [h["tree"], h["fixed"], h["recent"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_fields(client: Client, history: dict[str, Report], fmt: str) -> None:
    rows = requests_of(client.get(f"{BASE}/requests.{fmt}", {"status": "closed"}), fmt)
    [row] = rows
    assert row["status"] == "closed"
    assert row["status_notes"] == "Filled with asphalt"
    assert row["service_code"] == "pothole"
    assert row["service_name"] == "Pothole"
    assert row["agency_responsible"] == "Roads"
    assert row["requested_datetime"].endswith("Z")
    assert float(row["lat"]) == pytest.approx(40.965)
    assert float(row["long"]) == pytest.approx(-5.685)
    expected_keys = {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    assert set(row) == expected_keys


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "query",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"service_request_id": "1,abc"},
        {"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"},
    ],
)
def test_get_requests_bad_parameters(
    client: Client, needs: dict[str, Any], fmt: str, query: dict[str, str]
) -> None:
    res = client.get(f"{BASE}/requests.{fmt}", query)
    assert res.status_code == 400
    [(code, _)] = errors(res, fmt)
    assert code == "400"


def test_get_requests_is_capped_and_cheap(
    client: Client, needs: dict[str, Any], submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cocity.needs import open311

    for _ in range(5):
        submit()
    monkeypatch.setattr(open311, "MAX_RESULTS", 3)
    with CaptureQueriesContext(connection) as queries:
        res = client.get(f"{BASE}/requests.json")
    assert len(res.json()) == 3
    assert len(queries) <= 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request(client: Client, history: dict[str, Report], fmt: str) -> None:
    pk = history["fixed"].pk
    [row] = requests_of(client.get(f"{BASE}/requests/{pk}.{fmt}"), fmt)
    assert row["service_request_id"] == str(pk)
    assert row["status_notes"] == "Filled with asphalt"
    res = client.get(f"{BASE}/requests/999999.{fmt}")
    assert res.status_code == 404
    assert errors(res, fmt)[0][0] == "404"


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens(client: Client, history: dict[str, Report], fmt: str) -> None:
    report = history["recent"]
    [row] = requests_of(client.get(f"{BASE}/tokens/{report.tracking_token}.{fmt}"), fmt)
    assert row == {"service_request_id": str(report.pk), "token": report.tracking_token}
    res = client.get(f"{BASE}/tokens/nope.{fmt}")
    assert res.status_code == 404
    assert errors(res, fmt) == [("404", "Token not found.")]


def test_wrong_method_and_format(client: Client, db: None) -> None:
    assert client.delete(f"{BASE}/requests.json").status_code == 405
    assert client.get(f"{BASE}/services.csv").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_idempotency_key_files_once(client: Client, needs: dict[str, Any], fmt: str) -> None:
    data = {
        "api_key": needs["api_key"],
        "service_code": "fallen-tree",
        "lat": "40.965",
        "long": "-5.695",
        "description": "Tree across the road",
    }
    first = client.post(f"{BASE}/requests.{fmt}", data, HTTP_IDEMPOTENCY_KEY="abc-123")
    again = client.post(f"{BASE}/requests.{fmt}", data, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert Report.objects.count() == 1
    other = client.post(f"{BASE}/requests.{fmt}", data, HTTP_IDEMPOTENCY_KEY="abc-124")
    assert requests_of(other, fmt) != requests_of(first, fmt)
    client.post(f"{BASE}/requests.{fmt}", data)  # no key: a new report each time
    assert Report.objects.count() == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_idempotency_key_reused_with_another_payload_is_422(
    client: Client, needs: dict[str, Any], fmt: str
) -> None:
    data = {
        "api_key": needs["api_key"],
        "service_code": "fallen-tree",
        "lat": "40.965",
        "long": "-5.695",
        "description": "Tree across the road",
    }
    first = client.post(f"{BASE}/requests.{fmt}", data, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == 200
    other = client.post(
        f"{BASE}/requests.{fmt}",
        {**data, "description": "Another tree"},
        HTTP_IDEMPOTENCY_KEY="abc-123",
    )
    assert other.status_code == 422
    assert b"already used" in other.content
    too_long = client.post(f"{BASE}/requests.{fmt}", data, HTTP_IDEMPOTENCY_KEY="k" * 121)
    assert too_long.status_code == 400
    assert Report.objects.count() == 1


def test_idempotency_keys_are_per_client_app(client: Client, needs: dict[str, Any]) -> None:
    _, second_key = services.open311_key_create(name="second app")
    data = {
        "service_code": "fallen-tree",
        "lat": "40.965",
        "long": "-5.695",
        "description": "Tree",
    }
    for key in (needs["api_key"], second_key):
        res = client.post(
            f"{BASE}/requests.json", {**data, "api_key": key}, HTTP_IDEMPOTENCY_KEY="k"
        )
        assert res.status_code == 200
    assert Report.objects.count() == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_updates(client: Client, history: dict[str, Report], fmt: str) -> None:
    res = client.get(f"{BASE}/servicerequestupdates.{fmt}")
    assert res.status_code == 200
    data = parse(res, fmt)
    if fmt == "json":
        rows = data
    else:
        assert data.tag == "service_request_updates"
        rows = [{c.tag: c.text or "" for c in item} for item in data.findall("request_update")]
    [row] = rows
    assert row["service_request_id"] == str(history["fixed"].pk)
    assert row["status"] == "closed"
    assert row["description"] == "Filled with asphalt"
    assert row["updated_datetime"].endswith("Z")
    old = client.get(f"{BASE}/servicerequestupdates.{fmt}", {"end_date": "2020-01-01"})
    assert requests_of(old, fmt) == [] if fmt == "json" else len(parse(old, fmt)) == 0
    bad = client.get(f"{BASE}/servicerequestupdates.{fmt}", {"start_date": "soon"})
    assert bad.status_code == 400


def test_a_boundary_moved_by_another_process_counts_for_the_next_submission(
    client: Client, needs: dict[str, Any], open311_form: dict[str, str]
) -> None:
    """The submission's one query also reads the areas' revision token, so a worker's copy of
    the point → area index is never used after another worker has changed the areas."""
    from tests.conftest import square

    far = {**open311_form, "lat": "0.001", "long": "0.001"}
    assert post_request(client, "json", far).status_code == 400  # outside the city
    n1 = needs["areas"]["n1"]
    # what area_upsert does in another process: the row changes and the token with it
    type(n1).objects.filter(pk=n1.pk).update(boundary=square(-0.005, -0.005))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_revision SET token = 'elsewhere' WHERE name = 'areas'")
    res = post_request(client, "json", far)
    assert res.status_code == 200, res.content
    assert Report.objects.get(pk=requests_of(res, "json")[0]["service_request_id"]).area == n1


def test_switched_off_keys_and_services_are_refused_at_once(
    client: Client, needs: dict[str, Any], open311_form: dict[str, str]
) -> None:
    """Nothing about keys or services is cached between requests."""
    data = open311_form
    assert post_request(client, "json", data).status_code == 200
    needs["categories"]["tree"].active = False
    needs["categories"]["tree"].save()
    assert post_request(client, "json", data).status_code == 400
    Open311Key.objects.update(active=False)
    assert post_request(client, "json", data).status_code == 403
    assert Report.objects.count() == 1


def test_an_edited_service_counts_for_the_next_submission(
    client: Client, needs: dict[str, Any], open311_form: dict[str, str]
) -> None:
    """Workers keep the instances built from a service's row only for an identical row."""
    tree = needs["categories"]["tree"]
    before = tree.expected_days
    assert before != 40
    first = post_request(client, "json", open311_form)
    tree.expected_days = 40
    tree.save()
    second = post_request(client, "json", open311_form)
    days = [
        (report.expected_at - report.created_at).days  # type: ignore[operator]
        for report in (
            Report.objects.get(pk=requests_of(res, "json")[0]["service_request_id"])
            for res in (first, second)
        )
    ]
    assert days == [before, 40]


def test_get_requests_formats_times_in_utc(client: Client, history: dict[str, Report]) -> None:
    report = history["fixed"]
    report.refresh_from_db()
    [row] = requests_of(
        client.get(f"{BASE}/requests.json", {"service_request_id": report.pk}), "json"
    )

    def w3c(value: Any) -> str:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert row["requested_datetime"] == w3c(report.created_at)
    assert row["updated_datetime"] == w3c(report.updated_at)
    assert row["expected_datetime"] == w3c(report.expected_at)
    Report.objects.filter(pk=report.pk).update(expected_at=None)
    [row] = requests_of(
        client.get(f"{BASE}/requests.json", {"service_request_id": report.pk}), "json"
    )
    assert row["expected_datetime"] is None


@pytest.mark.parametrize("number", ["99999999999999999999999", "-1", "1e3", "²"])
def test_numbers_that_are_no_report_are_404_or_400(
    client: Client, needs: dict[str, Any], number: str
) -> None:
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 404
    res = client.get(f"{BASE}/requests.json", {"service_request_id": number})
    assert res.status_code == 400
