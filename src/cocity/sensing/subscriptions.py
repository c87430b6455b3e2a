"""NGSI-LD subscriptions (ETSI GS CIM 009 §5.2.12, §5.8): reading a subscription document,
rendering it back, deciding which entity changes it is told about, and the notification body.

Supported: ``entities`` (``type`` with ``id`` or ``idPattern``), ``watchedAttributes``, ``q``,
``notification`` (``attributes``, ``format`` normalized/keyValues, ``endpoint.uri`` over HTTP(S),
``endpoint.accept``, ``endpoint.receiverInfo`` sent as headers), ``throttling``,
``timeInterval`` (periodic), ``expiresAt``, ``isActive``, ``name``, ``description``.
Not supported (422): ``geoQ``, ``csf``, ``scopeQ``, ``temporalQ``, MQTT endpoints."""

from __future__ import annotations

import functools
import re
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cocity.compute.sensing import q as qlang
from cocity.sensing.entities import EntityError, key_values, lookup, parse_time, short_type

SUBSCRIPTION_TYPE = "Subscription"
UNSUPPORTED = ("geoQ", "csf", "scopeQ", "temporalQ", "lang")
FORMATS = ("normalized", "keyValues", "simplified", "concise")
KNOWN = {
    "id",
    "type",
    "@context",
    "name",
    "subscriptionName",
    "description",
    "entities",
    "watchedAttributes",
    "q",
    "notification",
    "throttling",
    "timeInterval",
    "expiresAt",
    "isActive",
    "status",
    "notificationTrigger",
}


@dataclass
class SubscriptionInput:
    sub_id: str
    doc: dict[str, Any]
    endpoint: str
    is_active: bool
    expires_at: datetime | None
    throttling: int
    time_interval: int


def _bad(message: str) -> EntityError:
    return EntityError(message)


def _seconds(doc: Mapping[str, Any], name: str) -> int:
    value = doc.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _bad(f"{name} is a number of seconds (0 or more).")
    return int(value)


def _check_entities(entities: Any) -> list[dict[str, Any]]:
    if not isinstance(entities, list) or not entities:
        raise _bad("entities is a non-empty list of {type, id?, idPattern?}.")
    out = []
    for item in entities:
        if not isinstance(item, Mapping) or not (
            isinstance(item.get("type"), str)
            or isinstance(item.get("id"), str)
            or isinstance(item.get("idPattern"), str)
        ):
            raise _bad("Each entry of entities has a type, an id or an idPattern.")
        if "idPattern" in item:
            try:
                re.compile(str(item["idPattern"]))
            except re.error as exc:
                raise _bad("idPattern is not a regular expression.") from exc
        out.append({k: item[k] for k in ("type", "id", "idPattern") if k in item})
    return out


def parse(
    doc: Any, *, existing: Mapping[str, Any] | None = None, sub_id: str | None = None
) -> SubscriptionInput:
    """A subscription as created (``existing`` None) or as patched over ``existing``."""
    if not isinstance(doc, Mapping):
        raise _bad("A subscription is a JSON object.")
    for name in UNSUPPORTED:
        if name in doc:
            raise EntityError(
                f"{name} is not supported in subscriptions.",
                kind="OperationNotSupported",
                status=422,
            )
    if existing is None:
        if doc.get("type") != SUBSCRIPTION_TYPE:
            raise _bad('A subscription has "type": "Subscription".')
        sub_id = doc.get("id") or f"urn:ngsi-ld:Subscription:{uuid.uuid4()}"
        if not isinstance(sub_id, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", sub_id):
            raise _bad("A subscription id is a URI.")
        merged: dict[str, Any] = {}
    else:
        if "id" in doc and doc["id"] != sub_id:
            raise _bad("A subscription's id cannot change.")
        merged = dict(existing)
    for name, value in doc.items():
        if name in ("id", "type", "@context"):
            continue
        if name in ("status", "notificationTrigger") or name not in KNOWN:
            continue  # read-only or unknown members are ignored
        merged[name] = value
    if "entities" in merged:
        merged["entities"] = _check_entities(merged["entities"])
    watched = merged.get("watchedAttributes")
    if watched is not None and (
        not isinstance(watched, list) or not watched or not all(isinstance(a, str) for a in watched)
    ):
        raise _bad("watchedAttributes is a non-empty list of attribute names.")
    if "entities" not in merged and watched is None:
        raise _bad("A subscription needs entities or watchedAttributes.")
    if "q" in merged:
        try:
            qlang.parse(_q_text(merged["q"]))
        except qlang.QueryError as exc:
            raise _bad(f"q: {exc}") from exc
    notification = merged.get("notification")
    if not isinstance(notification, Mapping):
        raise _bad("A subscription needs notification.endpoint.uri.")
    endpoint = notification.get("endpoint")
    uri = endpoint.get("uri") if isinstance(endpoint, Mapping) else None
    if isinstance(uri, str) and uri.startswith("mqtt"):
        raise EntityError(
            "MQTT notification endpoints are not supported.",
            kind="OperationNotSupported",
            status=422,
        )
    if not isinstance(uri, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", uri):
        raise _bad("notification.endpoint.uri is an http(s) URL.")
    fmt = notification.get("format", "normalized")
    if fmt not in FORMATS:
        raise _bad(f"notification.format is one of {', '.join(FORMATS)}.")
    attrs = notification.get("attributes")
    if attrs is not None and (
        not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs)
    ):
        raise _bad("notification.attributes is a list of attribute names.")
    throttling = _seconds(merged, "throttling")
    interval = _seconds(merged, "timeInterval")
    if interval and (watched is not None or throttling):
        raise _bad("timeInterval cannot go with watchedAttributes or throttling.")
    expires = None
    if merged.get("expiresAt") is not None:
        expires = parse_time(merged["expiresAt"])
    active = merged.get("isActive", True)
    if not isinstance(active, bool):
        raise _bad("isActive is true or false.")
    return SubscriptionInput(
        sub_id=str(sub_id),
        doc=merged,
        endpoint=uri,
        is_active=active,
        expires_at=expires,
        throttling=throttling,
        time_interval=interval,
    )


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z") if when else None


def render(sub: Any, *, now: datetime) -> dict[str, Any]:
    """A stored ``Subscription`` row as NGSI-LD returns it (with its notification status)."""
    body: dict[str, Any] = {"id": sub.sub_id, "type": SUBSCRIPTION_TYPE, **sub.doc}
    notification = dict(body.get("notification") or {})
    notification.setdefault("format", "normalized")
    notification["timesSent"] = sub.times_sent
    if sub.times_failed:
        notification["timesFailed"] = sub.times_failed
    for name, value in (
        ("lastNotification", sub.last_notification),
        ("lastSuccess", sub.last_success),
        ("lastFailure", sub.last_failure),
    ):
        if value is not None:
            notification[name] = _iso(value)
    if sub.last_failure and (not sub.last_success or sub.last_failure > sub.last_success):
        notification["status"] = "failed"
    else:
        notification["status"] = "ok"
    body["notification"] = notification
    body["isActive"] = sub.is_active
    if sub.expires_at is not None and sub.expires_at <= now:
        body["status"] = "expired"
    else:
        body["status"] = "active" if sub.is_active else "paused"
    return body


def watches(doc: Mapping[str, Any], entity: Mapping[str, Any], changed: Iterable[str]) -> bool:
    """Whether a change of ``changed`` attributes of ``entity`` concerns this subscription."""
    entities = doc.get("entities")
    if entities:
        etype, eid = entity["type"], entity["id"]
        for selector in entities:
            if "type" in selector and short_type(selector["type"]) != etype:
                continue
            if "id" in selector and selector["id"] != eid:
                continue
            if "idPattern" in selector and not re.fullmatch(selector["idPattern"], eid):
                continue
            break
        else:
            return False
    watched = doc.get("watchedAttributes")
    if watched and not set(watched) & set(changed):
        return False
    return matches_q(doc, entity)


def matches_q(doc: Mapping[str, Any], entity: Mapping[str, Any]) -> bool:
    if "q" not in doc:
        return True
    return qlang.evaluate(qlang.parse(_q_text(doc["q"])), functools.partial(lookup, entity))


def _q_text(value: Any) -> str:
    """``q`` as text; some clients send it URL-encoded (as in a query string), so it is decoded
    when it holds a ``%`` escape."""
    text = str(value)
    return urllib.parse.unquote(text) if re.search(r"%[0-9A-Fa-f]{2}", text) else text


def notification_body(
    *, sub_id: str, doc: Mapping[str, Any], entities: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """The Notification (§5.3.1) carrying the entities, projected and formatted as asked."""
    notification = doc.get("notification") or {}
    attrs = notification.get("attributes")
    data = []
    for entity in entities:
        if attrs:
            entity = {k: v for k, v in entity.items() if k in ("id", "type") or k in attrs}
        if notification.get("format", "normalized") != "normalized":
            entity = key_values(entity)
        data.append(entity)
    return {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": sub_id,
        "notifiedAt": _iso(now),
        "data": data,
    }
