"""Interop: the PyPI NGSI-LD client ``ngsildclient`` (Orange) against a live cocity server:
create, get, upsert, batch create and delete, count, query, temporal and subscriptions (with
the notification it triggers).

The client runs in its own virtualenv, ``<repo>/.venv-oracles/ngsildclient`` (built from
tests/oracles/ngsildclient.txt by scripts/test). When it is missing the test is skipped locally
and FAILS under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.needs.conftest import needs  # noqa: F401 - the fixture, shared with the needs tests
from tests.sensing.test_subscriptions import immediate, receiver  # noqa: F401 - fixtures

from cocity.sensing.models import Reading

REPO = Path(__file__).resolve().parents[2]
ORACLE_PYTHON = REPO / ".venv-oracles" / "ngsildclient" / "bin" / "python"
RUNNER = REPO / "tests" / "oracles" / "ngsildclient_run.py"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.service, pytest.mark.slow]


@pytest.fixture
def oracle() -> Path:
    if not ORACLE_PYTHON.exists():
        message = (
            f"oracle virtualenv missing: {ORACLE_PYTHON} "
            "(python -m venv + pip install -r tests/oracles/ngsildclient.txt)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return ORACLE_PYTHON


def test_ngsildclient_against_our_server(
    oracle: Path,
    live_server: Any,
    sensing: dict[str, Any],
    receiver: dict[str, Any],  # noqa: F811 - the fixture
    immediate: None,  # noqa: F811 - the fixture
) -> None:
    url = urlsplit(live_server.url)
    run = subprocess.run(
        [str(oracle), str(RUNNER), url.hostname, str(url.port), sensing["key"], receiver["url"]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # the client prints progress lines of its own; our answer is the last line
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    sub = seen["subscription"]
    assert sub["id"].startswith("urn:ngsi-ld:Subscription:")
    assert "@context" in sub
    assert sub["watchedAttributes"] == ["pm25"]
    assert seen["subscriptions_listed"] == [sub["id"]]
    assert seen["subscription_exists"]
    assert seen["created"] is True
    assert seen["exists"] is True
    assert seen["got"] == {
        "id": "urn:ngsi-ld:AirQualityObserved:ngc-1",
        "type": "AirQualityObserved",
        "pm25": 12.0,
    }
    assert seen["upsert"] == {
        "ok": True,
        "success": ["urn:ngsi-ld:AirQualityObserved:ngc-2"],  # created; ngc-1 updated
    }
    assert seen["batch_create"] == {"ok": True, "n_ok": 3}
    assert (seen["count"], seen["count_q"]) == (5, 2)
    assert seen["query"] == [
        "urn:ngsi-ld:AirQualityObserved:ngc-1",
        "urn:ngsi-ld:AirQualityObserved:ngc-2",
    ]
    # both readings of ngc-1 are kept: the upsert added one, it replaced nothing
    assert seen["temporal"]["pm25"]["values"] == [
        [12.0, "2026-03-01T10:00:00Z"],
        [35.0, "2026-03-01T11:00:00Z"],
    ]
    assert seen["batch_delete"] == {"ok": True, "n_ok": 3}
    assert seen["count_after_delete"] == 2
    assert seen["subscription_deleted"] is True
    assert seen["subscriptions_left"] == []
    assert Reading.objects.count() == 3
    # the subscription (pm25 > 20, pm25 written) was told about ngc-1 at 35 and ngc-2 at 25
    notified = sorted(
        (e["id"].rsplit(":", 1)[-1], e["pm25"]["value"])
        for _, body in receiver["got"]
        for e in body["data"]
    )
    assert notified == [("ngc-1", 35.0), ("ngc-2", 25.0)]
    assert all("@context" in body for _, body in receiver["got"])
