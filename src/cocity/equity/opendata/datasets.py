"""The open datasets: what each is called (in every language, through the translation catalogue),
how it is classified in the catalogue, and how its files are built.

Every builder returns files in which a location is at most an H3 cell (its centre rounded to
``cells.CENTRE_DECIMALS``), a count of events per cell is at least the threshold ``k``, and no
person is named: reports are counted, never listed; ballots and votes carry only the numbers the
budgeting and deliberation exports already give them."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Max, Min, Q
from django.db.models.functions import TruncDate, TruncQuarter
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cocity.compute.opendata import cells
from cocity.compute.opendata.privacy import private_counts

CSV = "text/csv"
GEOJSON = "application/geo+json"
PB = "text/plain"


@dataclass(frozen=True)
class ExportFile:
    name: str
    media_type: str
    content: str
    schema: dict[str, Any] = field(default_factory=dict)  # Frictionless table schema
    title: str = ""


@dataclass(frozen=True)
class Build:
    files: list[ExportFile]
    parameters: dict[str, Any]
    privacy: dict[str, Any]
    #: data period covered (first day, last day), or None when there is no data yet
    period: tuple[date, date] | None = None
    #: datasets released once per period (the private weekly counts) name the period here: a
    #: release for a period already released is not made again, so no budget is spent twice
    once_per: str = ""


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: Promise
    description: Promise
    keywords: tuple[Promise, ...]
    #: EU data themes (publications.europa.eu/resource/authority/data-theme/…)
    eu_themes: tuple[str, ...]
    #: datos.gob.es public sector taxonomy (datos.gob.es/kos/sector-publico/sector/…)
    sectors: tuple[str, ...]
    #: EU frequency (publications.europa.eu/resource/authority/frequency/…)
    frequency: str
    build: Callable[[datetime], Build]
    #: for a dataset released once per period: the period a release made at a moment covers
    period_key: Callable[[datetime], str] | None = None


def _field(name: str, type_: str, description: str = "") -> dict[str, str]:
    out = {"name": name, "type": type_}
    if description:
        out["description"] = description
    return out


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _params() -> tuple[int, int]:
    return settings.COCITY_OPENDATA_H3_RESOLUTION, settings.COCITY_OPENDATA_MIN_COUNT


def _threshold_note(k: int, resolution: int, suppressed: int, unit: str) -> dict[str, Any]:
    return {
        "location": f"H3 cell, resolution {resolution}; a point is the cell's centre rounded to "
        f"{cells.CENTRE_DECIMALS} decimals",
        "threshold": k,
        "threshold_unit": unit,
        "suppressed_cells": suppressed,
        "rounding": "counts are whole numbers; nothing else is rounded",
        "names": "none: no names, e-mail addresses, descriptions or free text",
    }


# --- reports ------------------------------------------------------------------------------------


def _report_rows() -> Any:
    from cocity.needs.models import Report, Status

    return Report.objects.exclude(status=Status.DUPLICATE)


def _quarter(start: datetime) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def build_reports(now: datetime) -> Build:
    resolution, k = _params()
    rows = (
        _report_rows()
        .annotate(quarter=TruncQuarter("created_at"))
        .values_list("h3_cell", "category__code", "quarter")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = cells.regroup(
        ((h3_cell, (code, _quarter(start)), n) for h3_cell, code, start, n in rows),
        resolution,
    )
    result = cells.suppress(counts, k)
    span = _report_rows().aggregate(first=Min("created_at"), last=Max("created_at"))
    table = sorted((key[1][1], key[1][0], key[0], n) for key, n in result.kept.items())
    header = ["quarter", "category", "h3_cell", "cell_lat", "cell_lon", "reports"]
    csv_rows = [(m, c, cell, *cells.centre(cell), n) for m, c, cell, n in table]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"quarter": m, "category": c, "h3_cell": cell, "reports": n},
        }
        for m, c, cell, lat, lon, n in csv_rows
    ]
    schema = {
        "fields": [
            _field("quarter", "string", "quarter the reports were made, e.g. 2026-Q3"),
            _field("category", "string", "service category code"),
            _field("h3_cell", "string", f"H3 cell at resolution {resolution}"),
            _field("cell_lat", "number", "latitude of the cell's centre"),
            _field("cell_lon", "number", "longitude of the cell's centre"),
            _field("reports", "integer", f"reports in the cell, category and quarter (>= {k})"),
        ]
    }
    period = None
    if span["first"]:
        period = (timezone.localdate(span["first"]), timezone.localdate(span["last"]))
    return Build(
        files=[
            ExportFile("reports.csv", CSV, _csv(header, csv_rows), schema),
            ExportFile(
                "reports.geojson",
                GEOJSON,
                json.dumps({"type": "FeatureCollection", "features": features}, indent=1),
            ),
        ],
        parameters={"h3_resolution": resolution, "k": k, "period": "quarter"},
        privacy=_threshold_note(k, resolution, result.suppressed_cells, "reports per cell"),
        period=period,
    )


def _last_week(now: datetime) -> tuple[date, date]:
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def _midnight(day: date) -> datetime:
    """The day's start in the site's time zone (a range on created_at uses its index)."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def week_key(now: datetime) -> str:
    first = _last_week(now)[0].isocalendar()
    return f"{first.year}-W{first.week:02d}"


def build_reports_weekly(now: datetime) -> Build:
    """Last complete week's reports per cell with OpenDP noise: released every week, so each
    release spends a privacy budget (epsilon), recorded with the running total."""
    from cocity.core.models import Area
    from cocity.equity.opendata.models import Release

    resolution, k = _params()
    epsilon = settings.COCITY_OPENDATA_EPSILON
    first, last = _last_week(now)
    domain = cells.cells_covering(
        (a.boundary for a in Area.objects.filter(kind=Area.Kind.DISTRICT)), resolution
    )
    rows = (
        _report_rows()
        .filter(
            created_at__gte=_midnight(first), created_at__lt=_midnight(last + timedelta(days=1))
        )
        .values_list("h3_cell")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = cells.regroup(((h3_cell, None, n) for h3_cell, n in rows), resolution)
    true = [counts.get((cell, None), 0) for cell in domain]
    noisy = private_counts(true, epsilon=epsilon)
    kept = cells.suppress(dict(zip(domain, noisy.values, strict=True)), k)
    week = week_key(now)
    csv_rows = [(week, cell, *cells.centre(cell), n) for cell, n in sorted(kept.kept.items())]
    # the running total is carried by the newest release: older ones may have been pruned
    # (COCITY_OPENDATA_KEEP_RELEASES), and what they spent still counts
    latest = Release.objects.filter(dataset="reports-weekly").order_by("-version").first()
    spent_before = float(latest.privacy.get("epsilon_total", 0)) if latest is not None else 0.0
    privacy = _threshold_note(k, resolution, kept.suppressed_cells, "noisy reports per cell")
    privacy.update(
        mechanism=noisy.mechanism,
        epsilon=noisy.epsilon,
        scale=noisy.scale,
        sensitivity=noisy.sensitivity,
        unit_of_privacy="one report",
        epsilon_total=round(spent_before + noisy.epsilon, 6),
        cells_in_domain=len(domain),
        rounding="noise is whole numbers; negative noisy counts are shown as 0 (not shown, "
        "being below the threshold)",
    )
    schema = {
        "fields": [
            _field("week", "string", "ISO week"),
            _field("h3_cell", "string", f"H3 cell at resolution {resolution}"),
            _field("cell_lat", "number", "latitude of the cell's centre"),
            _field("cell_lon", "number", "longitude of the cell's centre"),
            _field("reports_noisy", "integer", f"reports plus discrete Laplace noise (>= {k})"),
        ]
    }
    return Build(
        files=[
            ExportFile(
                "reports-weekly.csv",
                CSV,
                _csv(["week", "h3_cell", "cell_lat", "cell_lon", "reports_noisy"], csv_rows),
                schema,
            )
        ],
        parameters={"h3_resolution": resolution, "k": k, "week": week, "epsilon": epsilon},
        privacy=privacy,
        period=(first, last),
        once_per=week,
    )


# --- participatory budgets and conversations -----------------------------------------------------


def build_pb_ballots(now: datetime) -> Build:
    """Every envelope whose vote has closed, as budgeting's anonymised Pabulib file."""
    from cocity.budgeting import selectors
    from cocity.budgeting.models import Phase
    from cocity.compute.pb.pabulib import format_pb

    files = []
    for process in selectors.processes().order_by("slug"):
        if not process.voting_has_opened() or process.phase() == Phase.VOTING:
            continue
        for env in process.envelopes.all():
            text = format_pb(selectors.envelope_election(env))
            files.append(ExportFile(f"{process.slug}-{env.slug}.pb", PB, text))
    return Build(
        files=files,
        parameters={"format": "Pabulib .pb"},
        privacy={
            "ballots": "one anonymous voter per ballot, numbered in a random order; no receipt "
            "codes, districts or times",
            "published": "after the vote has closed",
            "names": "none: projects are named, voters are not",
        },
    )


def build_conversation_votes(now: datetime) -> Build:
    from cocity.deliberation import polis, selectors

    files = []
    for conversation in selectors.conversations().order_by("pk"):
        buffer = io.StringIO()
        polis.write_votes(conversation, buffer)
        files.append(
            ExportFile(
                f"conversation-{conversation.pk}-votes.csv",
                CSV,
                buffer.getvalue(),
                {
                    "fields": [
                        _field("timestamp", "integer", "milliseconds since 1970"),
                        _field("datetime", "string"),
                        _field("comment-id", "integer", "statement number"),
                        _field("voter-id", "integer", "participant number in the conversation"),
                        _field("vote", "integer", "1 agree, -1 disagree, 0 pass"),
                    ]
                },
            )
        )
    return Build(
        files=files,
        parameters={"format": "Polis openData votes.csv"},
        privacy={
            "voters": "numbered per conversation; no accounts, names or e-mail addresses",
            "names": "none",
        },
    )


# --- sensors and districts ---------------------------------------------------------------------


def build_sensor_daily(now: datetime) -> Build:
    from cocity.sensing.models import Reading

    resolution, _k = _params()
    rows = (
        Reading.objects.filter(flags=0)
        .annotate(day=TruncDate("observed_at"))
        .values_list(
            "day",
            "sensor_id",
            "sensor__entity_type",
            "sensor__area__code",
            "sensor__lat",
            "sensor__lon",
            "quantity",
        )
        .annotate(mean=Avg("value"), n=Count("pk"))
        .order_by("day", "sensor_id", "quantity")
    )
    out = []
    for day, sensor, kind, area, lat, lon, quantity, mean, n in rows:
        cell = "" if lat is None or lon is None else cells.coarsen_point(lat, lon, resolution)
        out.append((day.isoformat(), sensor, kind, area or "", cell, quantity, round(mean, 2), n))
    header = ["date", "sensor", "type", "district", "h3_cell", "quantity", "mean", "readings"]
    schema = {
        "fields": [
            _field("date", "date"),
            _field("sensor", "integer", "the sensor's number, as in /sensors/<number>/"),
            _field("type", "string", "NGSI-LD entity type"),
            _field("district", "string", "district code"),
            _field("h3_cell", "string", f"H3 cell at resolution {resolution}"),
            _field("quantity", "string"),
            _field("mean", "number", "mean of the day's unflagged readings"),
            _field("readings", "integer", "unflagged readings that day"),
        ]
    }
    period = (date.fromisoformat(out[0][0]), date.fromisoformat(out[-1][0])) if out else None
    return Build(
        files=[ExportFile("sensor-daily.csv", CSV, _csv(header, out), schema)],
        parameters={"h3_resolution": resolution, "aggregate": "daily mean, unflagged readings"},
        privacy={
            "location": f"H3 cell, resolution {resolution}; no coordinates",
            "names": "none: sensors are numbered (a device id or name chosen by its owner could "
            "name a person)",
        },
        period=period,
    )


def build_district_indicators(now: datetime) -> Build:
    """Per-district counts against population (until the equity indicators are stored, these
    are computed here)."""
    from cocity.core.models import Area
    from cocity.needs.models import OPEN_STATUSES
    from cocity.sensing.models import Sensor

    reports = Counter(
        dict(
            _report_rows()
            .filter(area__isnull=False)
            .values_list("area__code")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    open_ = Counter(
        dict(
            _report_rows()
            .filter(area__isnull=False, status__in=OPEN_STATUSES)
            .values_list("area__code")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    sensors = Counter(
        dict(
            Sensor.objects.filter(area__isnull=False)
            .values_list("area__code")
            .annotate(n=Count("pk", filter=Q(status="active")))
            .order_by()
        )
    )
    rows = []
    for area in Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code"):
        pop = area.population

        def per(n: int, base: int, pop: int = pop) -> str:
            return f"{n * base / pop:.2f}" if pop else ""

        rows.append(
            (
                area.code,
                area.name,
                pop,
                reports[area.code],
                per(reports[area.code], 1000),
                open_[area.code],
                sensors[area.code],
                per(sensors[area.code], 10000),
            )
        )
    header = [
        "district",
        "name",
        "population",
        "reports",
        "reports_per_1000",
        "open_reports",
        "sensors",
        "sensors_per_10000",
    ]
    schema = {
        "fields": [
            _field("district", "string", "district code"),
            _field("name", "string", "district name"),
            _field("population", "integer", "residents (the denominator)"),
            _field("reports", "integer", "reports made in the district, duplicates left out"),
            _field("reports_per_1000", "number", "reports per 1,000 residents"),
            _field("open_reports", "integer", "reports not yet closed"),
            _field("sensors", "integer", "active sensors"),
            _field("sensors_per_10000", "number", "active sensors per 10,000 residents"),
        ]
    }
    return Build(
        files=[ExportFile("district-indicators.csv", CSV, _csv(header, rows), schema)],
        parameters={"unit": "district"},
        privacy={
            "aggregation": "whole districts only",
            "names": "none: district names only",
            "note": "fewer reports does not mean fewer problems",
        },
    )


DATASETS: dict[str, Dataset] = {
    d.slug: d
    for d in (
        Dataset(
            "reports",
            _("Reports of problems by area and quarter"),
            _(
                "How many reports residents made, per service category, quarter and H3 cell. "
                "Locations are coarsened to cells and cells with fewer reports than the threshold "
                "are left out. Fewer reports does not mean fewer problems."
            ),
            (_("reports"), _("city services"), _("equity")),
            ("GOVE", "SOCI"),
            ("sector-publico",),
            "QUARTERLY",
            build_reports,
        ),
        Dataset(
            "reports-weekly",
            _("Reports of last week by area (differentially private)"),
            _(
                "Last week's reports per H3 cell, with random noise from a differentially "
                "private mechanism so that no single report can be inferred; the privacy budget "
                "spent is recorded with each release."
            ),
            (_("reports"), _("differential privacy")),
            ("GOVE",),
            ("sector-publico",),
            "WEEKLY",
            build_reports_weekly,
            week_key,
        ),
        Dataset(
            "pb-ballots",
            _("Participatory budget ballots"),
            _(
                "The anonymised ballots of every closed participatory budget vote, one Pabulib "
                "file per budget, with the counting rule used."
            ),
            (_("participatory budgeting"), _("ballots")),
            ("GOVE", "ECON"),
            ("hacienda",),
            "IRREG",
            build_pb_ballots,
        ),
        Dataset(
            "conversation-votes",
            _("Conversation votes"),
            _(
                "Every vote in the public conversations, in the Polis openData format: statement "
                "number, participant number and vote."
            ),
            (_("deliberation"), _("votes")),
            ("GOVE", "SOCI"),
            ("sector-publico",),
            "IRREG",
            build_conversation_votes,
        ),
        Dataset(
            "sensor-daily",
            _("Daily sensor means"),
            _(
                "The daily mean of every sensor's quantities (air quality, noise), from readings "
                "that passed the quality checks, with the sensor's district and H3 cell."
            ),
            (_("sensors"), _("air quality"), _("noise")),
            ("ENVI",),
            ("medio-ambiente",),
            "DAILY",
            build_sensor_daily,
        ),
        Dataset(
            "district-indicators",
            _("District indicators"),
            _(
                "Per district: population, reports and reports per 1,000 residents, open "
                "reports, sensors and sensors per 10,000 residents."
            ),
            (_("equity"), _("districts")),
            ("GOVE", "REGI"),
            ("sector-publico",),
            "DAILY",
            build_district_indicators,
        ),
    )
}
