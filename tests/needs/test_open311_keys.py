"""The back-office page that issues Open311 API keys to client apps."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cocity.core.models import AuditEntry
from cocity.needs import selectors
from cocity.needs.models import Open311Key

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-long"


def test_only_admins_issue_keys(client: Client, needs: dict[str, Any]) -> None:
    assert client.get("/needs/open311-keys/").status_code == 302  # sign in first
    for role in ("resident", "official", "moderator"):
        assert client.login(email=needs["users"][role].email, password=PASSWORD)
        assert client.get("/needs/open311-keys/").status_code == 403
        assert client.post("/needs/open311-keys/", {"name": "Sneaky"}).status_code == 403
    assert not Open311Key.objects.filter(name="Sneaky").exists()


def test_admin_issues_a_key_shown_once_that_works(client: Client, needs: dict[str, Any]) -> None:
    admin = needs["users"]["admin"]
    assert client.login(email=admin.email, password=PASSWORD)
    assert "Open311 API keys for client apps" in client.get("/needs/triage/").content.decode()
    res = client.post("/needs/open311-keys/", {"name": "Street app (Android)"})
    html = res.content.decode()
    assert res.status_code == 200
    assert res["Cache-Control"] == "no-store"
    found = re.search(r'<code id="issued-key">([^<]+)</code>', html)
    assert found
    key = found.group(1)
    row = selectors.open311_key_valid(key)
    assert row is not None
    assert row.name == "Street app (Android)"
    entry = AuditEntry.objects.filter(action="needs.open311_key_created").last()
    assert entry is not None
    assert entry.actor == admin
    # listed with its prefix only; the key itself is never shown again
    html = client.get("/needs/open311-keys/").content.decode()
    assert "Street app (Android)" in html
    assert f"{key[:8]}…" in html
    assert key not in html
    # the key files reports through Open311
    client.logout()
    data = {"service_code": "fallen-tree", "lat": "40.965", "long": "-5.695"}
    data["description"] = "Tree across the path"
    res = client.post("/open311/v2/requests.json", {**data, "api_key": key})
    assert res.status_code == 200, res.content  # Open311 answers a filed request with 200
    assert res.json()[0]["service_request_id"]
    assert client.post("/open311/v2/requests.json", {**data, "api_key": "wrong"}).status_code in (
        400,
        403,
    )


def test_a_key_needs_a_name(client: Client, needs: dict[str, Any]) -> None:
    assert client.login(email=needs["users"]["admin"].email, password=PASSWORD)
    before = Open311Key.objects.count()
    res = client.post("/needs/open311-keys/", {"name": "  "})
    assert res.status_code == 400
    assert "This field is required." in res.content.decode()
    assert Open311Key.objects.count() == before


def test_admin_revokes_a_key_and_the_app_is_refused_at_once(
    client: Client, needs: dict[str, Any], open311_form: dict[str, str]
) -> None:
    assert client.post("/open311/v2/requests.json", open311_form).status_code == 200
    key = Open311Key.objects.get()
    revoke = f"/needs/open311-keys/{key.pk}/revoke/"
    for role in ("resident", "official", "moderator"):
        assert client.login(email=needs["users"][role].email, password=PASSWORD)
        assert client.post(revoke).status_code == 403
    admin = needs["users"]["admin"]
    assert client.login(email=admin.email, password=PASSWORD)
    html = client.get("/needs/open311-keys/").content.decode()
    assert f'action="{revoke}"' in html
    assert client.get(revoke).status_code == 405  # a button (POST), never a link
    res = client.post(revoke, follow=True)
    assert "is revoked: the app can no longer file reports" in res.content.decode()
    assert f'action="{revoke}"' not in res.content.decode()
    key.refresh_from_db()
    assert not key.active
    entry = AuditEntry.objects.filter(action="needs.open311_key_revoked").get()
    assert (entry.actor, entry.object_id) == (admin, str(key.pk))
    assert client.post(revoke).status_code == 302  # again: nothing changes, nothing logged
    assert AuditEntry.objects.filter(action="needs.open311_key_revoked").count() == 1
    assert client.post("/needs/open311-keys/999999/revoke/").status_code == 404
    client.logout()
    res = client.post("/open311/v2/requests.json", open311_form)
    assert res.status_code == 403
    assert res.json()[0]["code"] == 403
