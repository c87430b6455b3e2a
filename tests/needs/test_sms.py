from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cocity.core.models import AuditEntry
from cocity.needs import services
from cocity.needs.models import Channel, Report, Status

pytestmark = pytest.mark.django_db


def sms(client: Client, needs: dict[str, Any], body: str, **extra: str) -> Any:
    data = {"From": "+34 600 123 456", "Body": body, **extra}
    return client.post(f"/needs/sms/?key={needs['api_key']}", data)


def test_sms_files_a_report_in_the_named_district(client: Client, needs: dict[str, Any]) -> None:
    res = sms(client, needs, "Fallen tree near s1, blocking the path")
    assert res.status_code == 200
    report = Report.objects.get()
    text = res.content.decode()
    assert text == (
        f"Thank you. Report #{report.pk} is filed. Text STATUS {report.tracking_token} for news."
    )
    assert report.channel == Channel.SMS
    assert report.category.code == "fallen-tree"
    assert report.area == needs["areas"]["s1"]
    assert report.anonymous
    # the number is kept only as a keyed hash and its last four digits
    assert report.phone_last4 == "3456"
    assert report.phone_hash == services.phone_hash("+34600123456")
    assert "600" not in report.phone_hash
    assert "123456" not in str(AuditEntry.objects.last().data)


def test_sms_district_names_keywords_and_coordinates(client: Client, needs: dict[str, Any]) -> None:
    sms(client, needs, "Big hole in the road at North Two by the school")
    sms(client, needs, "fallen tree", Latitude="40.955", Longitude="-5.685")
    pothole, tree = Report.objects.order_by("id")
    assert pothole.category.code == "pothole"  # "hole" and "road" are its keywords
    assert pothole.area == needs["areas"]["n2"]
    assert tree.category.code == "fallen-tree"
    assert tree.area == needs["areas"]["s2"]


def test_sms_status(client: Client, needs: dict[str, Any], submit: Any) -> None:
    report = submit("tree")
    services.report_change_status(
        report=report, status=Status.SCHEDULED, actor=needs["users"]["admin"]
    )
    res = sms(client, needs, f"status {report.tracking_token}")
    assert res.content.decode() == f"Report #{report.pk}: Scheduled."
    assert sms(client, needs, "STATUS nope").content.decode() == "No report has that tracking code."


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("something is wrong", "Which problem is it? Start with one of:"),
        ("fallen tree somewhere", "Where is it? Add 'near' and a district code"),
        ("fallen tree near Atlantis", "Where is it?"),
    ],
)
def test_sms_asks_for_what_is_missing(
    client: Client, needs: dict[str, Any], body: str, reply: str
) -> None:
    res = sms(client, needs, body)
    assert res.content.decode().startswith(reply)
    assert Report.objects.count() == 0


def test_sms_errors_and_twiml(client: Client, needs: dict[str, Any]) -> None:
    assert client.post("/needs/sms/?key=wrong", {"From": "1", "Body": "x"}).status_code == 403
    assert client.post(f"/needs/sms/?key={needs['api_key']}", {"Body": "x"}).status_code == 400
    res = sms(client, needs, "fallen tree", lat="41.5", lon="-5.0")
    assert res.content.decode() == "This place is outside the city."
    res = client.post(
        f"/needs/sms/?key={needs['api_key']}&twiml=1",
        {"From": "+1", "Body": "fallen tree near n1 & more", "MessageSid": "SM1"},
    )
    assert res["Content-Type"].startswith("text/xml")
    assert res.content.decode().startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    # a gateway retry (same MessageSid) files nothing new
    client.post(
        f"/needs/sms/?key={needs['api_key']}",
        {"From": "+1", "Body": "fallen tree near n1 & more", "MessageSid": "SM1"},
    )
    assert Report.objects.count() == 1
