"""Drive the PyPI NGSI-LD client ``ngsildclient`` (the oracle) against a cocity server and print
what it saw as JSON.

Usage (with the oracle's own python, see tests/oracles/ngsildclient.txt):

    .venv-oracles/ngsildclient/bin/python tests/oracles/ngsildclient_run.py HOST PORT KEY NOTIFY_URL

KEY is a cocity sensor key, sent as ``X-Api-Key`` on every request (the client's
``custom_auth``); NOTIFY_URL is where the subscription it makes sends notifications.

This script runs in the oracle's virtualenv only; it must not import cocity.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ngsildclient import Client, Entity, SubscriptionBuilder
from requests.auth import AuthBase

LAT, LON = 40.965, -5.695
T1, T2 = "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z"


class ApiKey(AuthBase):
    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, request: Any) -> Any:
        request.headers["X-Api-Key"] = self.key
        return request


def air(device: str, pm25: float, at: str) -> Entity:
    entity = Entity("AirQualityObserved", device)
    entity.loc(LAT, LON)
    entity.prop("pm25", pm25, unitcode="GQ", observedat=at)
    return entity


def main() -> int:
    host, port, key, notify = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    out: dict[str, Any] = {}
    with Client(hostname=host, port=port, custom_auth=ApiKey(key), verbose=False) as client:
        # subscriptions first, so the writes below are notified
        sub = (
            SubscriptionBuilder(notify)
            .name("high pm25")
            .select_type("AirQualityObserved")
            .watch(["pm25"])
            .query("pm25>20")
            .notif(["pm25"])
            .build()
        )
        sub_id = client.subscriptions.create(sub)
        out["subscription"] = client.subscriptions.get(sub_id)
        out["subscriptions_listed"] = [s["id"] for s in client.subscriptions.list("high")]
        out["subscription_exists"] = client.subscriptions.exists(sub_id)

        out["created"] = client.create(air("ngc-1", 12.0, T1))
        got = client.get("urn:ngsi-ld:AirQualityObserved:ngc-1")
        out["got"] = {"id": got.id, "type": got.type, "pm25": got["pm25"]["value"]}
        out["exists"] = client.exists("urn:ngsi-ld:AirQualityObserved:ngc-1")

        upsert = client.upsert([air("ngc-1", 35.0, T2), air("ngc-2", 25.0, T1)])
        out["upsert"] = {"ok": upsert.ok, "success": sorted(upsert.success)}
        batch = client.create([air(f"ngc-b{i}", 5.0 + i, T1) for i in range(3)])
        out["batch_create"] = {"ok": batch.ok, "n_ok": batch.n_ok}

        out["count"] = client.count(type="AirQualityObserved")
        out["count_q"] = client.count(type="AirQualityObserved", q="pm25>20")
        out["query"] = sorted(e.id for e in client.query(type="AirQualityObserved", q="pm25>20"))

        troe = client.temporal.get("urn:ngsi-ld:AirQualityObserved:ngc-1", attrs=["pm25"])
        out["temporal"] = troe

        # the client's batch delete reads the ids of Entity objects (not of id strings)
        deleted = client.delete([air(f"ngc-b{i}", 0.0, T1) for i in range(3)])
        out["batch_delete"] = {"ok": deleted.ok, "n_ok": deleted.n_ok}
        out["count_after_delete"] = client.count(type="AirQualityObserved")

        out["subscription_deleted"] = client.subscriptions.delete("high pm25")
        out["subscriptions_left"] = client.subscriptions.list()
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
