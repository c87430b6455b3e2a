from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from cocity.core.models import AuditEntry
from cocity.needs import services
from cocity.needs.models import Channel, Report, Status

pytestmark = pytest.mark.django_db


def sms(client: Client, needs: dict[str, Any], body: str, **extra: str) -> Any:
    data = {"From": "+34 600 123 456", "Body": body, **extra}
    return client.post("/needs/sms/", data, HTTP_X_API_KEY=needs["api_key"])


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
    # the number is kept only as a hash keyed with the server's secret and its last four digits
    assert report.phone_last4 == "3456"
    assert report.phone_hash == keyed_hash(settings.SECRET_KEY, "34600123456")
    assert report.phone_hash != keyed_hash("another server's key", "34600123456")
    stored = [str(getattr(report, f.attname)) for f in Report._meta.concrete_fields]
    assert not [value for value in stored if "600123456" in value]
    assert "600123456" not in str(AuditEntry.objects.last().data)


def keyed_hash(key: str, digits: str) -> str:
    return hmac.new(key.encode(), b"phone:" + digits.encode(), hashlib.sha256).hexdigest()


def test_the_same_number_written_differently_links_its_reports(
    client: Client, needs: dict[str, Any]
) -> None:
    sms(client, needs, "Fallen tree near s1")
    sms(client, needs, "Big hole in the road at North Two", From="+34600123456")
    sms(client, needs, "Big hole in the road at North Two", From="+34 600 999 888")
    first, second, other = Report.objects.order_by("id")
    assert first.phone_hash == second.phone_hash
    assert other.phone_hash not in ("", first.phone_hash)


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
    key = needs["api_key"]
    assert client.post("/needs/sms/", {"From": "1", "Body": "x"}).status_code == 403
    assert (
        client.post("/needs/sms/", {"From": "1", "Body": "x"}, HTTP_X_API_KEY="wrong").status_code
        == 403
    )
    assert client.post("/needs/sms/", {"Body": "x"}, HTTP_X_API_KEY=key).status_code == 400
    res = sms(client, needs, "fallen tree", lat="41.5", lon="-5.0")
    assert res.content.decode() == "This place is outside the city."
    res = client.post(
        "/needs/sms/?twiml=1",
        {"From": "+1", "Body": "fallen tree near n1 & more", "MessageSid": "SM1"},
        HTTP_X_API_KEY=key,
    )
    assert res["Content-Type"].startswith("text/xml")
    assert res.content.decode().startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    # a gateway retry (same MessageSid) files nothing new
    client.post(
        "/needs/sms/",
        {"From": "+1", "Body": "fallen tree near n1 & more", "MessageSid": "SM1"},
        HTTP_X_API_KEY=key,
    )
    assert Report.objects.count() == 1


def test_a_key_in_the_url_is_refused(client: Client, needs: dict[str, Any]) -> None:
    res = client.post(
        f"/needs/sms/?key={needs['api_key']}", {"From": "+1", "Body": "fallen tree near n1"}
    )
    assert res.status_code == 400
    assert "X-Api-Key" in res.content.decode()
    assert Report.objects.count() == 0


def test_message_ids_are_scoped_to_gateway_and_sender(
    client: Client, needs: dict[str, Any]
) -> None:
    _, other_key = services.open311_key_create(name="second gateway")
    body = {"Body": "fallen tree near n1", "MessageSid": "SM42"}
    for sender, key in [("+1", needs["api_key"]), ("+2", needs["api_key"]), ("+1", other_key)]:
        res = client.post("/needs/sms/", {**body, "From": sender}, HTTP_X_API_KEY=key)
        assert res.content.decode().startswith("Thank you.")
    # the same id from another phone or another gateway is another message
    assert Report.objects.count() == 3


# Produced by Twilio's own validator (twilio 9.13.0, RequestValidator("test-auth-token-123")
# .compute_signature(URL, FIELDS)), so our check is held to the provider's algorithm.
TWILIO_URL = "https://participa.example.org/needs/sms/"
TWILIO_FIELDS = {
    "From": "+34 600 123 456",
    "Body": "Fallen tree near s1",
    "MessageSid": "SM123",
    "To": "+34 900 000 000",
}
TWILIO_SIGNATURE = "OfxKKLfTOduI8+i0nXjHMYWL8Ds="


def test_twilio_signature_is_verified(client: Client, needs: dict[str, Any], settings: Any) -> None:
    settings.COCITY_SMS_PROVIDER = "twilio"
    settings.COCITY_SMS_SECRET = "test-auth-token-123"
    settings.ALLOWED_HOSTS = ["participa.example.org"]
    post = {"HTTP_HOST": "participa.example.org", "secure": True}
    res = client.post(
        "/needs/sms/", TWILIO_FIELDS, HTTP_X_TWILIO_SIGNATURE=TWILIO_SIGNATURE, **post
    )
    assert res.status_code == 200
    assert res.content.decode().startswith("Thank you.")
    forged = {**TWILIO_FIELDS, "MessageSid": "SM124"}
    res = client.post("/needs/sms/", forged, HTTP_X_TWILIO_SIGNATURE=TWILIO_SIGNATURE, **post)
    assert res.status_code == 403
    # an Open311 key is not enough when the gateway must sign
    res = client.post("/needs/sms/", forged, HTTP_X_API_KEY=needs["api_key"], **post)
    assert res.status_code == 403
    assert Report.objects.count() == 1


def test_hmac_signature_is_verified(client: Client, needs: dict[str, Any], settings: Any) -> None:
    import hashlib
    import hmac
    from urllib.parse import urlencode

    settings.COCITY_SMS_PROVIDER = "hmac"
    settings.COCITY_SMS_SECRET = "shared-secret"
    body = urlencode({"From": "+1", "Body": "fallen tree near n1"})
    good = "sha256=" + hmac.new(b"shared-secret", body.encode(), hashlib.sha256).hexdigest()
    form = "application/x-www-form-urlencoded"
    res = client.post("/needs/sms/", body, content_type=form, HTTP_X_SIGNATURE=good)
    assert res.status_code == 200
    res = client.post("/needs/sms/", body + "x", content_type=form, HTTP_X_SIGNATURE=good)
    assert res.status_code == 403
    assert Report.objects.count() == 1


def test_logs_never_show_the_secrets_a_url_carries() -> None:
    import logging

    from cocity.core.logging import JsonFormatter

    record = logging.makeLogRecord(
        {
            "name": "cocity.request",
            "msg": 'POST /needs/sms/?key=s3cret&twiml=1 "GET /needs/track/AbC123/ HTTP/1.1"',
            "path": "/accounts/password/reset/key/1-abc-def/",
        }
    )
    line = JsonFormatter().format(record)
    for secret in ("s3cret", "AbC123", "abc-def"):
        assert secret not in line
    assert "twiml=1" in line
    assert "key=[redacted]" in line
