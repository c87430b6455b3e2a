from __future__ import annotations

import time
from collections import Counter

import pytest

from cocity.core.models import AuditEntry
from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext, seeders
from cocity.needs.models import Report, ReportSupport, ReportUpdate, ServiceCategory, Status
from cocity.needs.seeders import seed_needs

pytestmark = pytest.mark.django_db


def test_needs_seeder_is_registered_after_core() -> None:
    names = [s.name for s in seeders()]
    assert names.index("core") < names.index("needs")


def test_demo_reports_are_uneven_realistic_and_fast(db: None) -> None:
    ctx = SeedContext(log=lambda message: None)
    seed_core(ctx)
    start = time.perf_counter()
    seed_needs(ctx)
    elapsed = time.perf_counter() - start
    assert elapsed < 10
    assert ServiceCategory.objects.count() == 11
    assert set(ServiceCategory.objects.values_list("department__code", flat=True)) == {
        "roads",
        "lighting",
        "waste",
        "parks",
        "water",
        "transport",
        "social-services",
    }
    reports = list(Report.objects.select_related("area"))
    assert len(reports) == 300
    # every report lies in the district it names, and carries its h3 cell
    from cocity.core.selectors import area_for_point
    from cocity.needs.geo import h3_cell

    for report in reports[:50]:
        assert area_for_point(lat=report.lat, lon=report.lon) == report.area
        assert report.h3_cell == h3_cell(report.lat, report.lon)
    # uneven: reports per 1,000 residents differ a lot between districts
    per_area = Counter(r.area.code for r in reports)
    rates = [per_area[a.code] * 1000 / a.population for a in ctx.shared["areas"].values()]
    assert max(rates) > 2 * min(rates)
    statuses = Counter(r.status for r in reports)
    assert statuses[Status.FIXED] > 50
    assert statuses[Status.SUBMITTED] > 15
    assert statuses[Status.DUPLICATE] > 0
    assert all(r.duplicate_of_id for r in reports if r.status == Status.DUPLICATE)
    assert all(r.closed_at for r in reports if not r.is_open)
    assert ReportUpdate.objects.count() > 300
    assert sum(r.support_count for r in reports) == ReportSupport.objects.count() > 0
    created = sorted(r.created_at for r in reports)
    assert (created[-1] - created[0]).days > 300
    entry = AuditEntry.objects.get(action="needs.demo_imported")
    assert entry.data["reports"] == 300
