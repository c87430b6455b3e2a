"""In-app notifications: the service, the /notifications/ page and the unread count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from cocity.core import selectors, services
from cocity.core.models import Notification

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-long"


def send(users: list[Any], **kwargs: Any) -> int:
    kwargs.setdefault("verb", "test.happened")
    # a message of the needs app, so that the Spanish catalog has it
    kwargs.setdefault("text", gettext_noop("Report #%(number)s (%(category)s) is now: %(status)s."))
    params = {"number": 7, "category": "Pothole", "status": "Fixed", "_translate": ["status"]}
    kwargs.setdefault("params", params)
    kwargs.setdefault("link", "/needs/7/")
    return services.notification_send(recipients=users, **kwargs)


def test_send_creates_one_per_person_and_skips_inactive(city: dict[str, Any]) -> None:
    resident, official = city["users"]["resident"], city["users"]["official"]
    gone = services.user_create(email="gone@example.org", password=PASSWORD)
    services.account_delete(user=gone)
    assert send([resident, resident, official, gone]) == 2
    assert Notification.objects.filter(recipient=resident).count() == 1
    assert not Notification.objects.filter(recipient=gone).exists()
    assert selectors.notification_unread_count(user=resident) == 1


def test_message_is_translated_when_shown(city: dict[str, Any]) -> None:
    resident = city["users"]["resident"]
    send([resident])
    note = Notification.objects.get(recipient=resident)
    assert note.message == "Report #7 (Pothole) is now: Fixed."
    with translation.override("es"):
        assert note.message == "El aviso n.º 7 (Pothole) está ahora: Resuelto."


def test_mark_read_touches_only_the_owners_notifications(city: dict[str, Any]) -> None:
    resident, official = city["users"]["resident"], city["users"]["official"]
    send([resident, official])
    send([resident], params={"number": 8, "category": "Pothole", "status": "Closed"})
    mine = Notification.objects.filter(recipient=resident).order_by("id").first()
    theirs = Notification.objects.get(recipient=official)
    assert mine is not None
    assert services.notification_mark_read(user=resident, notification_id=theirs.pk) == 0
    assert services.notification_mark_read(user=resident, notification_id=mine.pk) == 1
    assert selectors.notification_unread_count(user=resident) == 1
    assert services.notification_mark_read(user=resident) == 1
    assert selectors.notification_unread_count(user=resident) == 0
    assert selectors.notification_unread_count(user=official) == 1


def test_page_lists_marks_read_and_header_counts(client: Client, city: dict[str, Any]) -> None:
    resident = city["users"]["resident"]
    assert client.get("/notifications/").status_code == 302  # sign in first
    send([resident])
    send(
        [resident],
        params={"number": 9, "category": "Bin", "status": "Fixed", "_translate": ["status"]},
    )
    assert client.login(email=resident.email, password=PASSWORD)
    html = client.get("/").content.decode()
    assert 'aria-label="Notifications: 2 unread"' in html
    res = client.get("/notifications/")
    html = res.content.decode()
    assert res.status_code == 200
    assert "Report #9 (Bin) is now: Fixed." in html
    assert "Mark all as read" in html
    first = Notification.objects.filter(recipient=resident).order_by("id").first()
    assert first is not None
    # opening one marks it read and goes to its link; a foreign "next" is refused
    res = client.post("/notifications/", {"id": first.pk, "next": "/needs/7/"})
    assert res.status_code == 302
    assert res["Location"] == "/needs/7/"
    res = client.post("/notifications/", {"id": first.pk, "next": "https://evil.example/"})
    assert res["Location"] == "/notifications/"
    assert 'aria-label="Notifications: 1 unread"' in client.get("/").content.decode()
    client.post("/notifications/", {})
    html = client.get("/notifications/").content.decode()
    assert "Mark all as read" not in html
    assert 'class="count"' not in html
    with translation.override("es"):
        res = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="es")
    assert "El aviso n.º 9 (Bin) está ahora: Resuelto." in res.content.decode()


def test_export_and_account_deletion(city: dict[str, Any]) -> None:
    resident = city["users"]["resident"]
    send([resident])
    data = services.personal_data_export(user=resident)
    assert data["notifications"][0]["message"] == "Report #7 (Pothole) is now: Fixed."
    services.account_delete(user=resident)
    assert not Notification.objects.filter(recipient=resident).exists()
