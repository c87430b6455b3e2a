"""Demo content of the needs app: service categories for the seven demo departments and about
300 × scale reports over the last twelve months.

Reporting is deliberately uneven: districts with more high-income households report more per
resident, as they do in real cities, so the equity views have an under-reporting gap to find.
Reports are bulk-created (the seeder must stay fast); one audit entry records the import.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import shapely
from django.utils import timezone

from cocity.compute.geo import parse_boundary
from cocity.core.models import User
from cocity.core.seeding import SeedContext, register
from cocity.core.services import audit_record
from cocity.needs import services
from cocity.needs.geo import h3_cell
from cocity.needs.models import (
    OPEN_STATUSES,
    Channel,
    Priority,
    Report,
    ReportSupport,
    ReportUpdate,
    Status,
)

# department code → [(code, name, expected days, description samples)]
CATEGORIES: dict[str, list[tuple[str, str, int, list[str]]]] = {
    "roads": [
        ("pothole", "Pothole", 10, ["Deep pothole in the bus lane", "Potholes after the rain"]),
        ("pavement", "Broken pavement", 20, ["Loose paving slabs", "Kerb broken at crossing"]),
    ],
    "lighting": [
        ("streetlight", "Street light out", 5, ["Street light out all week", "Lamp flickers"]),
    ],
    "waste": [
        ("overflowing-bin", "Overflowing bin", 2, ["Bins full since Monday", "Rubbish around bin"]),
        ("fly-tipping", "Fly-tipping", 5, ["Old mattress dumped", "Building rubble left"]),
    ],
    "parks": [
        ("fallen-tree", "Fallen or dangerous tree", 3, ["Branch hanging over path", "Tree down"]),
        ("playground", "Broken playground equipment", 14, ["Swing chain broken", "Slide cracked"]),
    ],
    "water": [
        ("blocked-drain", "Blocked drain or flooding", 4, ["Drain blocked, street floods"]),
        ("water-leak", "Water leak", 2, ["Water bubbling up from the pavement"]),
    ],
    "transport": [
        ("bus-stop", "Damaged bus stop", 15, ["Shelter glass smashed", "Timetable missing"]),
    ],
    "social-services": [
        (
            "social-support",
            "Someone needs support",
            7,
            ["Elderly neighbour living alone needs help", "Family needs advice on benefits"],
        ),
    ],
}

ANSWERS: dict[str, str] = {
    Status.ACKNOWLEDGED: "Thank you, we have received your report and will inspect it.",
    Status.IN_PROGRESS: "A crew has been assigned.",
    Status.SCHEDULED: "The repair is scheduled.",
    Status.FIXED: "Fixed. Thank you for reporting it.",
    Status.NOT_OUR_RESPONSIBILITY: "This is private land; we have told the owner.",
    Status.NO_FURTHER_ACTION: "Inspected: no action is needed at the moment.",
    Status.CLOSED: "Closed.",
}
CHANNELS = [
    (Channel.WEB, 60),
    (Channel.PHONE, 15),
    (Channel.API, 10),
    (Channel.PAPER, 8),
    (Channel.SMS, 5),
    (Channel.ORGANISATION, 2),
]


def _point_in(geom: Any, rng: Any) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    while True:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.intersects_xy(geom, lon, lat):
            return lat, lon


def _final_status(age_days: float, rng: Any) -> str:
    """Older reports are more likely answered; a few stay open for months."""
    answered = 0.88 * (1 - math.exp(-age_days / 15))
    if rng.random() > answered:
        return rng.choice([Status.SUBMITTED, Status.SUBMITTED, Status.ACKNOWLEDGED])
    return rng.choices(
        [
            Status.FIXED,
            Status.IN_PROGRESS,
            Status.SCHEDULED,
            Status.NOT_OUR_RESPONSIBILITY,
            Status.NO_FURTHER_ACTION,
            Status.CLOSED,
        ],
        [60, 8, 6, 8, 8, 10],
    )[0]


@register("needs", order=20)
def seed_needs(ctx: SeedContext) -> None:
    departments = ctx.shared["departments"]
    areas = ctx.shared["areas"]
    categories = []
    for dept_code, items in CATEGORIES.items():
        for code, name, days, samples in items:
            category = services.category_create(
                code=code, name=name, department=departments[dept_code], expected_days=days
            )
            categories.append((category, samples))
    districts = [a for a in areas.values() if a.kind == "district"]
    geoms = {a.pk: parse_boundary(a.boundary) for a in districts}
    # reports per resident grow with the share of the richest households
    weights = [
        a.population * (0.4 + 3 * (a.demographics.get("income_quintiles") or [0.2] * 5)[4])
        for a in districts
    ]
    crowd = list(User.objects.filter(email__startswith="resident").order_by("id")[:200])
    official = User.objects.filter(role="official").order_by("id").first()
    now = timezone.now()
    rows: list[Report] = []
    plans: list[tuple[str, float]] = []
    for _ in range(300 * ctx.scale):
        category, samples = ctx.rng.choice(categories)
        area = ctx.rng.choices(districts, weights)[0]
        lat, lon = _point_in(geoms[area.pk], ctx.rng)
        age = ctx.rng.uniform(0, 365)
        created = now - timedelta(days=age)
        status = _final_status(age, ctx.rng)
        reporter = ctx.rng.choice(crowd) if crowd and ctx.rng.random() < 0.6 else None
        rows.append(
            Report(
                category=category,
                description=ctx.rng.choice(samples),
                lat=lat,
                lon=lon,
                area=area,
                h3_cell=h3_cell(lat, lon),
                reporter=reporter,
                anonymous=reporter is None or ctx.rng.random() < 0.2,
                tracking_token=f"{ctx.rng.getrandbits(96):024x}",
                channel=ctx.rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0],
                status=status,
                priority=ctx.rng.choices(list(Priority.values), [10, 70, 15, 5])[0],
                department=category.department,
                created_at=created,
                updated_at=created,
                expected_at=created + timedelta(days=category.expected_days),
            )
        )
        plans.append((status, age))
    Report.objects.bulk_create(rows, batch_size=500)
    updates: list[ReportUpdate] = []
    supports: list[ReportSupport] = []
    for report, (status, age) in zip(rows, plans, strict=True):
        steps: list[str] = [] if status == Status.SUBMITTED else [Status.ACKNOWLEDGED]
        if status not in steps:
            steps.append(status)
        when = report.created_at
        previous: str = Status.SUBMITTED
        for step in steps:
            when = when + timedelta(hours=ctx.rng.uniform(2, 24 * min(age, 30) / len(steps)))
            when = min(when, now)
            updates.append(
                ReportUpdate(
                    report=report,
                    author=official,
                    text=ANSWERS.get(step, ""),
                    old_status=previous,
                    new_status=step,
                    created_at=when,
                )
            )
            previous = step
        report.updated_at = when
        if status not in OPEN_STATUSES:
            report.closed_at = when
        if crowd and ctx.rng.random() < 0.25:
            people = ctx.rng.sample(crowd, k=min(len(crowd), ctx.rng.randint(1, 6)))
            supports += [ReportSupport(report=report, user=person) for person in people]
            report.support_count = len(people)
    ReportUpdate.objects.bulk_create(updates, batch_size=1000)
    ReportSupport.objects.bulk_create(supports, batch_size=1000)
    # a few reports merged into an earlier one of the same category and district
    merged = 0
    first_seen: dict[tuple[int, int], Report] = {}
    for report in sorted(rows, key=lambda r: r.created_at):
        key = (report.category_id, report.area_id or 0)
        original = first_seen.setdefault(key, report)
        if original is not report and report.status == Status.SUBMITTED and ctx.rng.random() < 0.3:
            report.status = Status.DUPLICATE
            report.duplicate_of = original
            report.closed_at = report.updated_at
            merged += 1
    Report.objects.bulk_update(
        rows,
        ["updated_at", "closed_at", "support_count", "status", "duplicate_of"],
        batch_size=500,
    )
    audit_record(
        action="needs.demo_imported",
        data={
            "reports": len(rows),
            "updates": len(updates),
            "supports": len(supports),
            "merged": merged,
        },
    )
    ctx.shared["needs_categories"] = [c for c, _ in categories]
    ctx.log(f"  {len(rows)} reports, {len(updates)} updates, {merged} merged")
