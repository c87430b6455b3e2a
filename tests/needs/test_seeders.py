from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from cocity.core.models import AuditEntry, Notification, User
from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext, seeders
from cocity.needs import seeders as needs_seeders
from cocity.needs.models import (
    Report,
    ReportFollow,
    ReportSupport,
    ReportUpdate,
    ServiceCategory,
    Status,
)
from cocity.needs.seeders import seed_needs

pytestmark = pytest.mark.django_db


def test_needs_seeder_is_registered_after_core() -> None:
    names = [s.name for s in seeders()]
    assert names.index("core") < names.index("needs")


def test_demo_city_has_5000_uneven_realistic_reports(db: None) -> None:
    """The full default count, as `cocity seed-demo` makes it (its speed is timed in
    bench/core/run.py, not here)."""
    assert needs_seeders.REPORTS == 5000
    ctx = SeedContext(log=lambda message: None)
    seed_core(ctx)
    seed_needs(ctx)
    assert ServiceCategory.objects.count() == 13
    assert set(ServiceCategory.objects.values_list("department__code", flat=True)) == {
        "roads",
        "lighting",
        "waste",
        "parks",
        "water",
        "transport",
        "social-services",
        "environment",
    }
    # the sensors' evidence has categories of its own, in both languages, and no random reports
    air = ServiceCategory.objects.get(code="air-quality")
    noise = ServiceCategory.objects.get(code="noise")
    assert (air.name, air.names) == ("Poor air quality", {"es": "Mala calidad del aire"})
    assert (noise.name, noise.names) == ("Noise", {"es": "Ruido"})
    assert air.descriptions["es"]
    assert noise.descriptions["es"]
    assert noise.groups == {"es": "Medio ambiente"}
    assert not Report.objects.filter(category__in=[air, noise]).exists()
    reports = list(Report.objects.select_related("area"))
    assert len(reports) == 5000
    # every report lies in the district it names, and carries its h3 cell
    from cocity.core.selectors import area_for_point
    from cocity.needs.geo import h3_cell

    for report in reports[::100]:
        assert area_for_point(lat=report.lat, lon=report.lon) == report.area
        assert report.h3_cell == h3_cell(report.lat, report.lon)
    # uneven: the richest district reports well over twice as much per resident as the poorest
    per_area = Counter(r.area.code for r in reports)
    areas = ctx.shared["areas"]
    rate = {code: per_area[code] * 1000 / a.population for code, a in areas.items()}
    top_income = max(areas.values(), key=lambda a: a.demographics["income_quintiles"][4])
    low_income = min(areas.values(), key=lambda a: a.demographics["income_quintiles"][4])
    assert rate[top_income.code] > 2.5 * rate[low_income.code]
    assert min(per_area.values()) > 100  # every district still has reports to show
    # twelve months, use growing: the last quarter has more reports than the first
    now = timezone.now()
    created = sorted(r.created_at for r in reports)
    assert (created[-1] - created[0]).days > 350
    first_quarter = sum(1 for c in created if c < now - timedelta(days=274))
    last_quarter = sum(1 for c in created if c > now - timedelta(days=91))
    assert last_quarter > 1.3 * first_quarter
    # a resolved / unresolved mix, older reports more often answered
    statuses = Counter(r.status for r in reports)
    assert statuses[Status.FIXED] > 1500
    assert 400 < statuses[Status.SUBMITTED] + statuses[Status.ACKNOWLEDGED] < 2000
    old_open = [r.is_open for r in reports if r.created_at < now - timedelta(days=180)]
    new_open = [r.is_open for r in reports if r.created_at > now - timedelta(days=14)]
    assert sum(new_open) / len(new_open) > 2 * sum(old_open) / len(old_open)
    assert all(r.closed_at for r in reports if not r.is_open)
    assert not any(r.closed_at for r in reports if r.is_open)
    # merges: into an earlier report of the same category, with a public update saying so
    merged = [r for r in reports if r.status == Status.DUPLICATE]
    assert 50 < len(merged) < 500
    by_pk = {r.pk: r for r in reports}
    for r in merged:
        original = by_pk[r.duplicate_of_id]
        assert original.category_id == r.category_id
        assert original.created_at <= r.created_at
        assert r.support_count == 0
    assert ReportUpdate.objects.filter(new_status=Status.DUPLICATE).count() == len(merged)
    # timelines: every answered report has its updates, in order, after it was filed
    assert ReportUpdate.objects.count() > 5000
    for update in ReportUpdate.objects.select_related("report")[:300]:
        assert update.created_at >= update.report.created_at
    assert not ReportUpdate.objects.filter(report__status=Status.SUBMITTED).exists()
    # supporters counted, and they and the reporters follow the reports
    assert sum(r.support_count for r in reports) == ReportSupport.objects.count() > 1000
    with_support = sum(1 for r in reports if r.support_count)
    assert 0.15 < with_support / len(reports) < 0.35
    follows = set(ReportFollow.objects.values_list("report_id", "user_id"))
    assert set(ReportSupport.objects.values_list("report_id", "user_id")) <= follows
    assert {(r.pk, r.reporter_id) for r in reports if r.reporter_id} <= follows
    # the demo resident has notifications of their reports' updates, the latest three unread
    resident = User.objects.get(email=needs_seeders.DEMO_RESIDENT)
    notes = list(Notification.objects.filter(recipient=resident))
    assert len(notes) > 3
    assert sum(1 for n in notes if n.read_at is None) == 3
    assert all(by_pk[n.params["number"]].reporter_id == resident.pk for n in notes)
    # each names the category in every language: the reader's is shown
    assert all(set(n.params["category"]) == {"en", "es"} for n in notes)
    entry = AuditEntry.objects.get(action="needs.demo_imported")
    assert entry.data["reports"] == 5000
    assert entry.data["merged"] == len(merged)


def test_scale_multiplies_the_reports(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(needs_seeders, "REPORTS", 40)
    ctx = SeedContext(scale=3, log=lambda message: None)
    seed_core(ctx)
    seed_needs(ctx)
    assert Report.objects.count() == 120
