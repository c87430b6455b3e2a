"""Background tasks of the sensing app (django-tasks API): NGSI-LD notifications."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from cocity.sensing import subscriptions as subs
from cocity.sensing.entities import CORE_CONTEXT, split_id
from cocity.sensing.models import Sensor, Subscription

log = logging.getLogger(__name__)
TIMEOUT = 10  # seconds to wait for a notification endpoint
LINK = f'<{CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def _entities(ids: list[str]) -> dict[str, dict[str, Any]]:
    from cocity.sensing.entities import sensor_entity

    devices = []
    for entity_id in ids:
        try:
            devices.append(split_id(entity_id)[1])
        except ValueError:
            continue
    sensors = Sensor.objects.select_related("area").filter(device_id__in=devices)
    return {s.entity_id: sensor_entity(s) for s in sensors}


def _live(now: datetime) -> Any:
    return Subscription.objects.filter(is_active=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def send(sub: Subscription, entities: list[dict[str, Any]], *, now: datetime) -> bool:
    """POST one notification to the subscription's endpoint; record the outcome."""
    body = subs.notification_body(sub_id=sub.sub_id, doc=sub.doc, entities=entities, now=now)
    endpoint = (sub.doc.get("notification") or {}).get("endpoint") or {}
    headers = {"User-Agent": "cocity"}
    if endpoint.get("accept") == "application/ld+json":
        body["@context"] = CORE_CONTEXT
        headers["Content-Type"] = "application/ld+json"
    else:
        headers["Content-Type"] = "application/json"
        headers["Link"] = LINK
    for item in endpoint.get("receiverInfo") or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            headers[item["key"]] = str(item.get("value", ""))
    # the endpoint is an http(s) URL (checked when the subscription is stored)
    request = urllib.request.Request(  # noqa: S310
        sub.endpoint, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    ok = False
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("notification for %s to %s failed: %s", sub.sub_id, sub.endpoint, exc)
    fields: dict[str, Any] = {"last_notification": now, "times_sent": F("times_sent") + 1}
    if ok:
        fields["last_success"] = now
    else:
        fields["last_failure"] = now
        fields["times_failed"] = F("times_failed") + 1
    Subscription.objects.filter(pk=sub.pk).update(**fields)
    return ok


@task()
def subscriptions_notify_task(changes: dict[str, list[str]]) -> int:
    """Notify each subscription (not periodic, not throttled right now) that watches one of the
    changed entities, with those entities as they are now. Returns how many were sent."""
    now = timezone.now()
    current = _entities(list(changes))
    if not current:
        return 0
    sent = 0
    for sub in _live(now).filter(time_interval=0):
        if (
            sub.throttling
            and sub.last_notification is not None
            and sub.last_notification + timedelta(seconds=sub.throttling) > now
        ):
            continue
        matched = [
            entity
            for entity_id, entity in current.items()
            if subs.watches(sub.doc, entity, changes.get(entity_id, ()))
        ]
        if matched:
            send(sub, matched, now=now)
            sent += 1
    return sent


def subscriptions_send_periodic(*, now: datetime | None = None) -> int:
    """Subscriptions with ``timeInterval``: each whose interval has passed gets every matching
    entity (``cocity sensors notify``, from cron or a scheduler)."""
    now = now or timezone.now()
    sent = 0
    for sub in _live(now).filter(time_interval__gt=0):
        if (
            sub.last_notification
            and sub.last_notification + timedelta(seconds=sub.time_interval) > now
        ):
            continue
        selectors = sub.doc.get("entities") or []
        types = [e["type"] for e in selectors if "type" in e]
        sensors = Sensor.objects.select_related("area")
        if types and len(types) == len(selectors):
            sensors = sensors.filter(entity_type__in=[subs.short_type(t) for t in types])
        from cocity.sensing.entities import sensor_entity

        matched = [
            e for e in (sensor_entity(s) for s in sensors) if subs.watches(sub.doc, e, list(e))
        ]
        if matched:
            send(sub, matched, now=now)
            sent += 1
    return sent


@task()
def evidence_evaluate_task() -> int:
    """The evidence rules, evaluated (``services.evidence_evaluate``)."""
    from cocity.sensing import services

    return services.evidence_evaluate()
