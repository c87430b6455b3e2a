"""The sensor keys page: officials issue a key in the browser, shown once, and it works."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from cocity.sensing.models import SensorKey, sensor_key_hash


def test_officials_issue_a_key_that_is_shown_once(city: dict[str, Any], client: Client) -> None:
    assert client.get("/sensors/keys/").status_code == 302  # to the login page
    client.force_login(city["users"]["resident"])
    assert client.get("/sensors/keys/").status_code == 403
    assert client.post("/sensors/keys/", {"name": "x"}).status_code == 403
    assert not SensorKey.objects.exists()
    client.force_login(city["users"]["official"])
    refused = client.post("/sensors/keys/", {"name": "   "})
    assert refused.status_code == 400
    assert 'class="errorlist' in refused.content.decode()
    assert not SensorKey.objects.exists()
    page = client.post("/sensors/keys/", {"name": "Parks gateway"}).content.decode()
    shown = re.search(r"<code>([A-Za-z0-9_-]{30,})</code>", page)
    assert shown is not None
    row = SensorKey.objects.get()
    # only the fingerprint is kept; the key shown is the one that fingerprint belongs to
    assert row.key_hash == sensor_key_hash(shown.group(1))
    assert (row.name, row.may_register, row.active) == ("Parks gateway", False, True)
    listed = client.get("/sensors/keys/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert shown.group(1) not in listed
    assert f"{row.prefix}…" in listed
    assert "Claves de sensores" in listed
