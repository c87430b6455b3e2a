"""Reads of the equity app: the latest stored snapshot and the alerts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cocity.equity.models import Alert, Snapshot


def snapshot_latest() -> Snapshot | None:
    return Snapshot.objects.order_by("-computed_at", "-id").first()


def snapshot_district(snapshot: Snapshot, code: str) -> dict[str, Any] | None:
    for row in snapshot.data.get("districts", []):
        if row["code"] == code:
            return dict(row)
    return None


def alert_list(*, active_only: bool = True, area_id: int | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("area")
    if active_only:
        qs = qs.filter(cleared_at__isnull=True)
    if area_id is not None:
        qs = qs.filter(area_id=area_id)
    return qs.order_by("cleared_at", "-raised_at", "-id")


def alert_get(pk: int) -> Alert | None:
    return Alert.objects.select_related("area").filter(pk=pk).first()
