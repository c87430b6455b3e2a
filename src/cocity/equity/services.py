"""Writes of the equity app: the whole equity computation (one snapshot) and the alerts of
open processes. ``equity_refresh`` does both from one collection of the apps' counts."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from cocity.compute.equity import indicators as ind
from cocity.compute.equity.inequality import concentration_index, gini, theil, theil_decomposition
from cocity.compute.equity.representation import mix_shares, representation
from cocity.compute.equity.weights import post_stratify
from cocity.core.models import Area, Role, User
from cocity.core.services import audit_record, notification_send
from cocity.equity import sources
from cocity.equity.models import Alert, ParticipationSample, Snapshot

WINDOW_DAYS = 365
#: Measures of who takes part, each a count of distinct people per district.
PARTICIPATION = ("reporters", "conversation_participants", "voters", "proposal_authors")
#: Per-resident indicators whose spread across districts is measured.
SPREAD = (
    "reports_per_1000",
    "reporters_share",
    "voters_share",
    "pb_money_per_resident",
    "sensors_per_10000",
)
#: Need measures the concentration index ranks districts by (least needy first).
NEEDS = ("open_per_1000", "low_income_share", "pm25")
BANDS = ("age_bands", "income_quintiles")


def _months(since: datetime, until: datetime) -> list[str]:
    months, y, m = [], since.year, since.month
    while (y, m) <= (until.year, until.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _composition(area: dict[str, Any], key: str) -> dict[str, float]:
    raw = (area["demographics"] or {}).get(key) or {}
    items = raw.items() if isinstance(raw, dict) else enumerate(raw, start=1)
    return {str(k): float(v) for k, v in items}


def _district_rows(
    areas: list[dict[str, Any]], raw: dict[str, Any], months: list[str]
) -> list[dict[str, Any]]:
    counts, hist, series = raw["counts"], raw["histograms"], raw["series"]
    rows = []
    for a in areas:
        pk, pop = a["id"], float(a["population"])

        def c(name: str, pk: int = pk) -> float:
            return float((counts.get(name) or {}).get(pk, 0) or 0)

        income = _composition(a, "income_quintiles")
        low = income.get("1")
        authors = c("proposal_authors") + c("idea_authors")
        values: dict[str, Any] = {
            "population": int(pop),
            "reports": int(c("reports")),
            "reports_per_1000": ind.per(c("reports"), pop, 1000),
            "open_reports": int(c("open_reports")),
            "open_per_1000": ind.per(c("open_reports"), pop, 1000),
            "median_first_response_h": ind.histogram_median(
                (hist.get("hours_to_first_response") or {}).get(pk, {}), ind.hour_bucket_width
            ),
            "median_resolution_h": ind.histogram_median(
                (hist.get("hours_to_resolution") or {}).get(pk, {}), ind.hour_bucket_width
            ),
            "resolved": int(c("resolved")),
            "in_time_share": ind.ratio(c("resolved_in_time"), c("resolved")),
            "reporters": int(c("reporters")),
            "conversation_participants": int(c("conversation_participants")),
            "voters": int(c("voters")),
            "proposal_authors": int(authors),
            "pb_money": int(c("pb_money")),
            "pb_money_per_resident": ind.per(c("pb_money"), pop, 1),
            "low_income_share": low,
            "pb_money_per_low_income_resident": (
                ind.per(c("pb_money"), pop * low, 1) if low else None
            ),
            "sensors": int(c("sensors")),
            "sensors_per_10000": ind.per(c("sensors"), pop, 10000),
            "coverage": ind.ratio(c("sensors_reporting"), c("sensors")),
            "pm25": (counts.get("pm25") or {}).get(pk),
        }
        for name in PARTICIPATION:
            values[f"{name}_share"] = ind.ratio(values[name], pop)
        monthly = {
            name: [(series.get(name) or {}).get(pk, {}).get(m, 0) for m in months]
            for name in ("reports", "resolved", "resolved_in_time")
        }
        rows.append(
            {
                "id": pk,
                "code": a["code"],
                "name": a["name"],
                "parent": a["parent_code"],
                "indicators": values,
                "series": {
                    "reports_per_1000": [ind.per(n, pop, 1000) for n in monthly["reports"]],
                    "in_time_share": [
                        ind.ratio(t, r)
                        for t, r in zip(
                            monthly["resolved_in_time"], monthly["resolved"], strict=True
                        )
                    ],
                },
            }
        )
    return rows


def _city(
    areas: list[dict[str, Any]], raw: dict[str, Any], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    pop = float(sum(a["population"] for a in areas))
    total: dict[str, float] = defaultdict(float)
    for row in rows:
        for k, v in row["indicators"].items():
            if isinstance(v, int):
                total[k] += v
    merged: dict[str, dict[int, int]] = {}
    for name, per_area in raw["histograms"].items():
        acc: dict[int, int] = defaultdict(int)
        for h in per_area.values():
            for k, v in h.items():
                acc[int(k)] += v
        merged[name] = acc
    resolved_in_time = sum((raw["counts"].get("resolved_in_time") or {}).values())
    city = {
        "population": int(pop),
        "reports": int(total["reports"]),
        "reports_per_1000": ind.per(total["reports"], pop, 1000),
        "open_reports": int(total["open_reports"]),
        "open_per_1000": ind.per(total["open_reports"], pop, 1000),
        "median_first_response_h": ind.histogram_median(
            merged.get("hours_to_first_response", {}), ind.hour_bucket_width
        ),
        "median_resolution_h": ind.histogram_median(
            merged.get("hours_to_resolution", {}), ind.hour_bucket_width
        ),
        "in_time_share": ind.ratio(resolved_in_time, total["resolved"]),
        "pb_money": int(total["pb_money"]),
        "pb_money_per_resident": ind.per(total["pb_money"], pop, 1),
        "sensors": int(total["sensors"]),
        "sensors_per_10000": ind.per(total["sensors"], pop, 10000),
        "coverage": ind.ratio(
            sum((raw["counts"].get("sensors_reporting") or {}).values()), total["sensors"]
        ),
    }
    low_income = sum(
        a["population"] * (_composition(a, "income_quintiles").get("1") or 0) for a in areas
    )
    city["low_income_share"] = ind.ratio(low_income, pop)
    city["pb_money_per_low_income_resident"] = ind.per(total["pb_money"], low_income, 1)
    for name in PARTICIPATION:
        city[name] = int(total[name])
        city[f"{name}_share"] = ind.ratio(total[name], pop)
    return city


def _representation(areas: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    pop_total = float(sum(a["population"] for a in areas)) or 1.0
    pop_share = {a["code"]: a["population"] / pop_total for a in areas}
    compositions = {key: {a["code"]: _composition(a, key) for a in areas} for key in BANDS}
    census = {
        key: mix_shares({a["code"]: a["population"] for a in areas}, compositions[key])
        for key in BANDS
    }
    out: dict[str, Any] = {}
    for name in PARTICIPATION:
        counts = {r["code"]: r["indicators"][name] for r in rows}
        weights = post_stratify(counts, pop_share)
        weighted = {code: counts[code] * w for code, w in weights.weights.items()}
        part: dict[str, Any] = {
            "district": representation(counts, pop_share).as_dict(),
            "weights": weights.weights,
            "uncovered": weights.uncovered,
        }
        for key in BANDS:
            shares = census[key]
            total = sum(shares.values()) or 1.0
            shares = {g: v / total for g, v in shares.items()}
            part[key] = {
                "raw": representation(mix_shares(counts, compositions[key]), shares).as_dict(),
                "weighted": representation(
                    mix_shares(weighted, compositions[key]), shares, draws=0
                ).as_dict(),
            }
        out[name] = part
    return out


def _inequality(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pops = np.array([r["indicators"]["population"] for r in rows], dtype=float)
    parents = [r["parent"] or "" for r in rows]
    nested = len({p for p in parents if p}) > 1
    out = []
    for name in SPREAD:
        raw = [r["indicators"][name] for r in rows]
        if all(v is None for v in raw):
            continue
        values = np.array([v or 0.0 for v in raw], dtype=float)
        entry: dict[str, Any] = {
            "indicator": name,
            "gini": gini(values, pops),
            "theil": theil(values, pops),
            "between": None,
            "within": None,
            "concentration": {},
        }
        if nested:
            split = theil_decomposition(values, pops, parents)
            if split is not None:
                entry["between"], entry["within"] = split.between, split.within
        for need in NEEDS:
            ranks = [r["indicators"][need] for r in rows]
            if any(v is None for v in ranks):
                continue
            entry["concentration"][need] = concentration_index(
                values, np.array(ranks, dtype=float), pops
            )
        out.append(entry)
    return out


def _areas() -> list[dict[str, Any]]:
    rows = (
        Area.objects.filter(kind=Area.Kind.DISTRICT)
        .order_by("code")
        .values("id", "code", "name", "population", "demographics", "parent__code")
    )
    return [{**a, "parent_code": a["parent__code"]} for a in rows]


def snapshot_compute(*, now: datetime | None = None, raw: dict[str, Any] | None = None) -> Snapshot:
    """Run the whole equity computation over the last ``WINDOW_DAYS`` and store it."""
    started = time.perf_counter()
    until = now or timezone.now()
    since = until - timedelta(days=WINDOW_DAYS)
    areas = _areas()
    if raw is None:
        raw = sources.collect(since=since, until=until)
    months = _months(since, until)
    rows = _district_rows(areas, raw, months)
    data = {
        "months": months,
        "districts": rows,
        "city": _city(areas, raw, rows),
        "representation": _representation(areas, rows),
        "inequality": _inequality(rows),
        "settings": {"alert_fraction": settings.COCITY_EQUITY_ALERT_FRACTION},
    }
    return Snapshot.objects.create(
        computed_at=until,
        seconds=time.perf_counter() - started,
        since=since,
        until=until,
        data=data,
    )


# --- alerts ------------------------------------------------------------------------------------

ALERT_TEXT = gettext_noop(
    "Low participation from %(district)s in “%(process)s”: %(share)s of participants, "
    "against %(population)s of residents."
)


def _recipients(area_id: int) -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role__in=[Role.OFFICIAL, Role.ADMIN]) | Q(organisations__area_id=area_id))
        .distinct()
        .order_by("pk")
    )


def _scope(areas: list[dict[str, Any]], area_id: int | None) -> list[dict[str, Any]]:
    if area_id is None:
        return areas
    return [a for a in areas if a["id"] == area_id or a.get("parent_id") == area_id]


def alerts_check(*, opened: list[dict[str, Any]], now: datetime | None = None) -> list[Alert]:
    """Sample every open process's participation per district and raise (or clear) alerts.
    Returns the alerts raised by this call."""
    now = now or timezone.now()
    fraction = settings.COCITY_EQUITY_ALERT_FRACTION
    minimum = settings.COCITY_EQUITY_ALERT_MIN_PARTICIPANTS
    areas = [
        {"id": a.pk, "parent_id": a.parent_id, "population": a.population, "name": a.name}
        for a in Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code")
    ]
    raised: list[Alert] = []
    live: set[tuple[str, int, int]] = set()
    judged: set[tuple[str, int]] = set()
    for proc in opened:
        scope = _scope(areas, proc.get("area"))
        pop_total = sum(a["population"] for a in scope)
        if len(scope) < 2 or pop_total <= 0 or proc.get("closes_at") is None:
            continue
        counts = {int(k): int(v) for k, v in (proc.get("participants") or {}).items()}
        total = sum(counts.get(a["id"], 0) for a in scope)
        with transaction.atomic():
            ParticipationSample.objects.create(
                kind=proc["kind"],
                process_id=proc["id"],
                taken_at=now,
                counts={str(k): v for k, v in counts.items()},
                total=total,
            )
            if total < minimum:
                continue
            samples = list(
                ParticipationSample.objects.filter(
                    kind=proc["kind"], process_id=proc["id"], total__gt=0
                ).order_by("taken_at")[:500]
            )
            close = proc["closes_at"].timestamp()
            for a in scope:
                pop_share = a["population"] / pop_total
                share = counts.get(a["id"], 0) / total
                projected = ind.linear_projection(
                    [s.taken_at.timestamp() for s in samples],
                    [int(s.counts.get(str(a["id"]), 0)) / s.total for s in samples],
                    close,
                )
                projected = None if projected is None else min(max(projected, 0.0), 1.0)
                low = share < fraction * pop_share or (
                    projected is not None and projected < fraction * pop_share
                )
                key = (proc["kind"], proc["id"], a["id"])
                if not low:
                    continue
                live.add(key)
                before = Alert.objects.filter(
                    kind=proc["kind"], process_id=proc["id"], area_id=a["id"]
                ).first()
                alert, _created = Alert.objects.update_or_create(
                    kind=proc["kind"],
                    process_id=proc["id"],
                    area_id=a["id"],
                    defaults={
                        "title": str(proc["title"])[:200],
                        "titles": proc.get("titles") or {},
                        "link": proc.get("link", ""),
                        "opens_at": proc["opens_at"],
                        "closes_at": proc["closes_at"],
                        "participants": counts.get(a["id"], 0),
                        "total": total,
                        "share": share,
                        "population_share": pop_share,
                        "projected_share": projected,
                        "threshold": fraction,
                        "updated_at": now,
                        "cleared_at": None,
                    },
                    create_defaults={
                        "title": str(proc["title"])[:200],
                        "titles": proc.get("titles") or {},
                        "link": proc.get("link", ""),
                        "opens_at": proc["opens_at"],
                        "closes_at": proc["closes_at"],
                        "participants": counts.get(a["id"], 0),
                        "total": total,
                        "share": share,
                        "population_share": pop_share,
                        "projected_share": projected,
                        "threshold": fraction,
                        "updated_at": now,
                        "raised_at": now,
                    },
                )
                if before is None or before.cleared_at is not None:
                    raised.append(alert)
            judged.add((proc["kind"], proc["id"]))
    # an alert is cleared when its process closed, or a judgement now says it no longer holds
    still_open = {(p["kind"], p["id"]) for p in opened}
    for alert in Alert.objects.filter(cleared_at__isnull=True):
        process = (alert.kind, alert.process_id)
        key = (alert.kind, alert.process_id, alert.area_id)
        if (
            alert.closes_at <= now
            or process not in still_open
            or (process in judged and key not in live)
        ):
            alert.cleared_at = now
            alert.save(update_fields=["cleared_at"])
    for alert in raised:
        _announce(alert)
    return raised


def _announce(alert: Alert) -> None:
    audit_record(
        action="equity.alert_raised",
        obj=alert,
        data={"kind": alert.kind, "process": alert.process_id, "area": alert.area_id},
    )
    area = alert.area
    transaction.on_commit(
        lambda: notification_send(
            recipients=_recipients(area.pk),
            verb="equity.alert",
            text=ALERT_TEXT,
            params={
                "district": area.name,
                "process": alert.titles or alert.title,
                "share": f"{alert.share:.0%}",
                "population": f"{alert.population_share:.0%}",
            },
            link=f"/equity/alerts/{alert.pk}/",
        )
    )


def equity_refresh(*, now: datetime | None = None) -> Snapshot:
    """Collect the apps' counts once, store a snapshot and check the open processes' alerts."""
    started = time.perf_counter()
    now = now or timezone.now()
    raw = sources.collect(since=now - timedelta(days=WINDOW_DAYS), until=now)
    snapshot = snapshot_compute(now=now, raw=raw)
    # the time of the whole computation, the apps' aggregates included
    snapshot.seconds = time.perf_counter() - started
    snapshot.save(update_fields=["seconds"])
    alerts_check(opened=raw["open"], now=now)
    return snapshot
