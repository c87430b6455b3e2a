"""NGSI-LD subscriptions: create/get/list/patch/delete, and the HTTP notifications sent when a
watched entity changes (with throttling and periodic timeInterval)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.needs.conftest import needs  # noqa: F401 - the fixture, shared with the needs tests
from tests.sensing.conftest import air
from tests.sensing.test_ngsi import BASE, error_type, post

from cocity.sensing import tasks
from cocity.sensing.models import Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[dict[str, Any]]:
    """A notification endpoint on localhost that records what it is sent."""
    got: list[tuple[dict[str, str], Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), json.loads(body)))
            self.send_response(200 if "fail" not in self.path else 500)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/notify", "got": got}
    server.shutdown()
    server.server_close()


@pytest.fixture
def immediate(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def subscription(uri: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "Subscription",
        "entities": [{"type": "AirQualityObserved"}],
        "notification": {"endpoint": {"uri": uri}, "attributes": ["pm25"]},
        **extra,
    }


def test_create_get_list_patch_delete(sensing: dict[str, Any], client: Client) -> None:
    key = sensing["key"]
    r = post(client, "/subscriptions/", subscription("http://example.org/n", q="pm25>20"), key)
    assert r.status_code == 201, r.content
    sub_id = r["Location"].rsplit("/", 1)[-1]
    assert sub_id.startswith("urn:ngsi-ld:Subscription:")
    got = client.get(f"{BASE}/subscriptions/{sub_id}", headers={"X-Api-Key": key}).json()
    assert got["id"] == sub_id
    assert got["q"] == "pm25>20"
    assert got["status"] == "active"
    assert got["notification"]["endpoint"]["uri"] == "http://example.org/n"
    # the same id again: 409; another key sees none of it
    again = post(client, "/subscriptions", {**subscription("http://x.org/"), "id": sub_id}, key)
    assert again.status_code == 409
    assert error_type(again) == "AlreadyExists"
    other = client.get(f"{BASE}/subscriptions/", headers={"X-Api-Key": sensing["fixed_key"]})
    assert other.json() == []
    assert client.get(f"{BASE}/subscriptions/").status_code == 401
    r = client.patch(
        f"{BASE}/subscriptions/{sub_id}/",
        json.dumps({"isActive": False, "throttling": 60}),
        content_type="application/json",
        headers={"X-Api-Key": key},
    )
    assert r.status_code == 204, r.content
    listed = client.get(f"{BASE}/subscriptions?count=true", headers={"X-Api-Key": key})
    assert listed["NGSILD-Results-Count"] == "1"
    assert listed.json()[0]["status"] == "paused"
    assert listed.json()[0]["throttling"] == 60
    assert (
        client.delete(f"{BASE}/subscriptions/{sub_id}", headers={"X-Api-Key": key}).status_code
        == 204
    )
    missing = client.get(f"{BASE}/subscriptions/{sub_id}", headers={"X-Api-Key": key})
    assert missing.status_code == 404
    assert error_type(missing) == "ResourceNotFound"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "Subscription", "notification": {"endpoint": {"uri": "http://x.org"}}}, 400),
        (subscription("ftp://x.org/"), 400),
        (subscription("mqtt://broker/topic"), 422),
        (subscription("http://x.org/", geoQ={"georel": "near"}), 422),
        (subscription("http://x.org/", q="pm25>>"), 400),
        (subscription("http://x.org/", timeInterval=60, throttling=5), 400),
    ],
)
def test_invalid_subscriptions_are_refused(
    sensing: dict[str, Any], client: Client, body: dict[str, Any], status: int
) -> None:
    assert post(client, "/subscriptions", body, sensing["key"]).status_code == status
    assert not Subscription.objects.exists()


def test_a_matching_change_is_notified(
    sensing: dict[str, Any],
    client: Client,
    receiver: dict[str, Any],
    immediate: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    key, (lat, lon) = sensing["key"], sensing["points"]["n1"]
    sub = subscription(
        receiver["url"],
        q="pm25>20",
        watchedAttributes=["pm25"],
        notification={
            "endpoint": {
                "uri": receiver["url"],
                "receiverInfo": [{"key": "X-Api-Key", "value": "their-key"}],
            },
            "attributes": ["pm25"],
            "format": "keyValues",
        },
    )
    assert post(client, "/subscriptions", sub, key).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/entities", air("low", lat, lon, pm25=5.0), key)  # q does not match
        post(client, "/entities", air("high", lat, lon, pm25=42.0), key)
        post(client, "/entities", air("noise", lat, lon, pm10=80.0), key)  # pm25 not written
    assert len(receiver["got"]) == 1
    headers, body = receiver["got"][0]
    assert headers["X-Api-Key"] == "their-key"
    assert body["type"] == "Notification"
    assert body["subscriptionId"].startswith("urn:ngsi-ld:")
    assert body["data"] == [
        {"id": "urn:ngsi-ld:AirQualityObserved:high", "type": "AirQualityObserved", "pm25": 42.0}
    ]
    row = Subscription.objects.get()
    assert row.times_sent == 1
    assert row.last_success is not None


def test_throttling_and_failures_are_recorded(
    sensing: dict[str, Any], receiver: dict[str, Any]
) -> None:
    key, (lat, lon) = sensing["key"], sensing["points"]["n1"]
    client = Client()
    post(client, "/entities", air("a", lat, lon, pm25=30.0), key)
    url = receiver["url"] + "?fail"
    assert (
        post(client, "/subscriptions", subscription(url, throttling=3600), key).status_code == 201
    )
    change = {"urn:ngsi-ld:AirQualityObserved:a": ["pm25"]}
    assert tasks.subscriptions_notify_task.call(change) == 1
    assert tasks.subscriptions_notify_task.call(change) == 0  # throttled for an hour
    assert len(receiver["got"]) == 1
    row = Subscription.objects.get()
    assert row.times_failed == 1
    assert row.last_success is None
    got = client.get(f"{BASE}/subscriptions/{row.sub_id}", headers={"X-Api-Key": key}).json()
    assert got["notification"]["status"] == "failed"


def test_periodic_subscriptions(sensing: dict[str, Any], receiver: dict[str, Any]) -> None:
    key, (lat, lon) = sensing["key"], sensing["points"]["n1"]
    client = Client()
    post(client, "/entities", air("p", lat, lon, pm25=3.0), key)
    assert (
        post(
            client, "/subscriptions", subscription(receiver["url"], timeInterval=600), key
        ).status_code
        == 201
    )
    # a periodic subscription ignores changes, and is sent on its interval
    assert tasks.subscriptions_notify_task.call({"urn:ngsi-ld:AirQualityObserved:p": ["pm25"]}) == 0
    now = timezone.now()
    assert tasks.subscriptions_send_periodic(now=now) == 1
    assert tasks.subscriptions_send_periodic(now=now + timedelta(seconds=60)) == 0
    assert tasks.subscriptions_send_periodic(now=now + timedelta(seconds=601)) == 1
    assert [b["data"][0]["pm25"]["value"] for _, b in receiver["got"]] == [3.0, 3.0]


def test_a_batch_is_one_notification(
    sensing: dict[str, Any],
    client: Client,
    receiver: dict[str, Any],
    immediate: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    key, (lat, lon) = sensing["key"], sensing["points"]["n1"]
    assert post(client, "/subscriptions", subscription(receiver["url"]), key).status_code == 201
    batch = [air("b1", lat, lon, pm25=1.0), air("b2", lat, lon, pm25=2.0), {"id": "bad"}]
    with django_capture_on_commit_callbacks(execute=True):
        r = post(client, "/entityOperations/upsert", batch, key)
    assert r.status_code == 207
    assert len(receiver["got"]) == 1
    sent = sorted(e["id"].rsplit(":", 1)[-1] for e in receiver["got"][0][1]["data"])
    assert sent == ["b1", "b2"]
