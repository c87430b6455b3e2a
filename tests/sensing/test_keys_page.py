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


def test_officials_revoke_a_key_after_confirming_and_it_stops_working(
    city: dict[str, Any], client: Client
) -> None:
    import json

    from tests.sensing.conftest import N1, air

    from cocity.core.models import AuditEntry
    from cocity.sensing import services
    from cocity.sensing.models import Sensor

    row, key = services.sensor_key_create(name="Parks gateway")
    url = f"/sensors/keys/{row.pk}/revoke/"

    def write(device: str) -> int:
        entity = air(device, *N1, pm25=10.0)
        response = client.post(
            "/ngsi-ld/v1/entities/",
            json.dumps(entity),
            content_type="application/json",
            headers={"X-Api-Key": key},
        )
        return response.status_code

    assert write("before") == 201
    client.force_login(city["users"]["resident"])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert SensorKey.objects.get().active

    client.force_login(city["users"]["official"])
    listed = client.get("/sensors/keys/").content.decode()
    assert f'href="{url}"' in listed  # a plain link to the confirmation: no JavaScript needed
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Revoke the key for “Parks gateway”" in page
    assert '<form method="post">' in page
    assert SensorKey.objects.get().active  # asking is not revoking
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Revocar la clave de «Parks gateway»" in spanish

    done = client.post(url, follow=True)
    assert done.redirect_chain[-1][0] == "/sensors/keys/"
    assert "its devices can no longer send readings" in done.content.decode()
    assert not SensorKey.objects.get().active
    entry = AuditEntry.objects.get(action="sensing.key_revoked")
    assert (entry.object_id, entry.actor) == (str(row.pk), city["users"]["official"])
    assert write("after") == 401
    assert not Sensor.objects.filter(device_id="after").exists()
    # revoking again changes and logs nothing; an unknown key is 404
    client.post(url)
    assert AuditEntry.objects.filter(action="sensing.key_revoked").count() == 1
    assert client.get("/sensors/keys/999999/revoke/").status_code == 404
    assert "Revoked" in client.get("/sensors/keys/").content.decode()
