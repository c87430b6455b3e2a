"""Issue 19 point 6: service categories have a back-office page to edit them and switch them off
and on, through services that write audit entries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cocity.core.models import AuditEntry
from cocity.needs import selectors

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_official_edits_their_departments_category_and_it_is_audited(
    needs: dict[str, Any],
) -> None:
    official = needs["users"]["official"]  # of roads, which answers potholes
    pothole = needs["categories"]["pothole"]
    client = _client(official)
    page = client.get("/needs/categories/").content.decode()
    assert f'href="/needs/categories/{pothole.pk}/"' in page
    assert "Fallen tree" in page  # every category is listed

    form = {
        "name": "Pothole or sunken road",
        "description": "A hole",
        "group": "Streets",
        "keywords": "road,hole,bache",
        "department": needs["departments"]["parks"].pk,
        "expected_days": "5",
    }
    response = client.post(f"/needs/categories/{pothole.pk}/", form)
    assert response.status_code == 302
    pothole.refresh_from_db()
    assert (pothole.name, pothole.expected_days) == ("Pothole or sunken road", 5)
    assert pothole.department == needs["departments"]["parks"]
    entry = AuditEntry.objects.filter(action="needs.category_updated").latest("id")
    assert entry.actor == official
    assert entry.data["before"]["department"] == "roads"
    # parks answers it now: the roads official may no longer edit it
    assert client.get(f"/needs/categories/{pothole.pk}/").status_code == 403


def test_a_category_switched_off_takes_no_new_reports_and_comes_back(
    needs: dict[str, Any],
) -> None:
    tree = needs["categories"]["tree"]
    client = _client(needs["users"]["admin"])
    response = client.post(f"/needs/categories/{tree.pk}/", {"action": "deactivate"})
    assert response.status_code == 302
    assert selectors.category_by_code("fallen-tree") is None
    assert "fallen-tree" not in client.get("/open311/v2/services.json").content.decode()
    assert AuditEntry.objects.filter(action="needs.category_deactivated").count() == 1
    # switching off twice changes nothing and logs nothing
    client.post(f"/needs/categories/{tree.pk}/", {"action": "deactivate"})
    assert AuditEntry.objects.filter(action="needs.category_deactivated").count() == 1
    page = client.get(f"/needs/categories/{tree.pk}/").content.decode()
    assert "Switch this category on" in page

    client.post(f"/needs/categories/{tree.pk}/", {"action": "activate"})
    assert selectors.category_by_code("fallen-tree") == tree
    assert AuditEntry.objects.filter(action="needs.category_activated").count() == 1


def test_an_invalid_edit_is_refused_with_its_errors(needs: dict[str, Any]) -> None:
    pothole = needs["categories"]["pothole"]
    client = _client(needs["users"]["admin"])
    response = client.post(f"/needs/categories/{pothole.pk}/", {"name": "", "expected_days": "-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    pothole.refresh_from_db()
    assert pothole.name == "Pothole"


def test_the_page_is_in_spanish(needs: dict[str, Any]) -> None:
    client = _client(needs["users"]["admin"])
    html = client.get("/needs/categories/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Categorías de servicio" in html
