"""The Open311 and SMS parsers under fuzzing: whatever a client sends, the answer is a success or
one of the protocol's own errors (never a server error), and the XML answers stay well-formed."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALUE = st.one_of(
    st.sampled_from(
        ["", " ", "0", "-1", "1e309", "nan", "inf", "-91", "181", "40.965", "-5.695", "open"]
    ),
    st.sampled_from(
        ["99999999999999999999", "2026-13-40", "2026-12-05T10:00:00Z", "pothole", "small"]
    ),
    st.sampled_from(["fallen-tree", "closed", "a" * 5000, "\x00", "\x0b", "ü", "<x/>", "&"]),
    st.text(max_size=20),
)
OPEN311_FIELDS = [
    "service_code",
    "description",
    "lat",
    "long",
    "address_string",
    "email",
    "first_name",
    "attribute[size]",
    "attribute[depth_cm]",
    "attribute[hazards][]",
    "media_url",
    "device_id",
    "account_id",
]
QUERY_FIELDS = ["service_code", "status", "start_date", "end_date", "service_request_id"]


def _fields(names: list[str]) -> Any:
    return st.dictionaries(st.sampled_from(names), VALUE, max_size=len(names))


def _check_open311(res: Any, fmt: str) -> None:
    assert res.status_code in (200, 201, 400, 403, 404, 414), res.status_code
    if fmt == "xml":
        root = ET.fromstring(res.content)
        assert root.tag in ("service_requests", "errors")
    else:
        body = res.json()
        assert isinstance(body, list)
        if res.status_code >= 400:
            assert body[0]["code"] == res.status_code
            assert body[0]["description"]


@FUZZ
@given(fields=_fields(OPEN311_FIELDS), fmt=st.sampled_from(["json", "xml"]), keyed=st.booleans())
def test_open311_post_answers_with_a_request_or_an_error_array(
    client: Client, needs: dict[str, Any], fields: dict[str, str], fmt: str, keyed: bool
) -> None:
    data = {**fields, **({"api_key": needs["api_key"]} if keyed else {})}
    _check_open311(client.post(f"/open311/v2/requests.{fmt}", data), fmt)


@FUZZ
@given(query=_fields(QUERY_FIELDS), fmt=st.sampled_from(["json", "xml"]))
def test_open311_get_answers_with_requests_or_an_error_array(
    client: Client, needs: dict[str, Any], query: dict[str, str], fmt: str
) -> None:
    _check_open311(client.get(f"/open311/v2/requests.{fmt}", query), fmt)


@FUZZ
@given(
    fields=_fields(["From", "Body", "Latitude", "Longitude", "MessageSid"]),
    twiml=st.booleans(),
)
def test_sms_answers_every_message_in_words(
    client: Client, needs: dict[str, Any], fields: dict[str, str], twiml: bool
) -> None:
    url = "/needs/sms/" + ("?twiml=1" if twiml else "")
    res = client.post(url, fields, HTTP_X_API_KEY=needs["api_key"])
    assert res.status_code in (200, 400), res.status_code
    if twiml and res["Content-Type"].startswith("text/xml"):
        assert ET.fromstring(res.content).tag == "Response"
    else:
        assert res.content.decode()
