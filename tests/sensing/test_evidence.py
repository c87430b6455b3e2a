"""Evidence rules: readings that break a threshold in a district suggest a need, which an
official confirms into a needs report, attaches to an existing one, or dismisses; sensor
coverage per district for equity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from tests.needs.conftest import needs, submit  # noqa: F401 - fixtures shared with the needs tests

from cocity.needs.models import Report, ReportUpdate
from cocity.sensing import selectors, services
from cocity.sensing.models import EvidenceSuggestion, SuggestionStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
TODAY = datetime(2026, 3, 15, tzinfo=UTC)


def _sensor(
    device: str, kind: str, where: tuple[float, float], values: Callable[[datetime], float]
) -> Any:
    start = TODAY - timedelta(days=14)
    quantity = "pm25" if kind == "AirQualityObserved" else "LAeq"
    return services.sensor_register(
        device_id=device,
        entity_type=kind,
        owner=None,
        lat=where[0],
        lon=where[1],
        measures=[
            services.Measure(quantity, t, values(t) + (t.hour % 5) * 0.3)  # never stuck
            for h in range(0, 14 * 24, 2)
            if (t := start + timedelta(hours=h)) < TODAY
        ],
    )


@pytest.fixture
def evidence(sensing: dict[str, Any], needs: dict[str, Any], settings: Any) -> dict[str, Any]:  # noqa: F811
    settings.TIME_ZONE = "UTC"
    n1, s2 = sensing["points"]["n1"], sensing["points"]["s2"]
    # n1 breathes PM2.5 above 15 µg/m³ on the last 5 days; s2 stays clean
    _sensor(
        "air-n1",
        "AirQualityObserved",
        n1,
        lambda t: 24.0 if t >= TODAY - timedelta(days=5) else 9.0,
    )
    _sensor("air-s2", "AirQualityObserved", s2, lambda t: 8.0)
    # s2's nights are loud (62 dB from 22:00 to 06:00), its days do not matter
    _sensor(
        "noise-s2", "NoiseLevelObserved", s2, lambda t: 62.0 if t.hour >= 22 or t.hour < 6 else 50.0
    )
    assert services.evidence_rules_defaults() == 2
    return {**sensing, **needs}


def test_rules_suggest_needs_once(evidence: dict[str, Any]) -> None:
    assert services.evidence_evaluate(now=NOW) == 2
    open_ = {(s.rule.quantity, s.area.code): s for s in selectors.evidence_open()}
    assert set(open_) == {("pm25", "n1"), ("LAeq", "s2")}
    pm = open_[("pm25", "n1")]
    assert [d for d, _ in pm.days] == [f"2026-03-{d}" for d in range(10, 15)]
    assert 24 < pm.peak < 25.2
    assert len(open_[("LAeq", "s2")].days) == 14
    # evaluated again (the task): the open suggestions are refreshed, none added
    assert services.evidence_evaluate(now=NOW) == 0
    assert EvidenceSuggestion.objects.count() == 2


def test_officials_confirm_attach_and_dismiss(
    evidence: dict[str, Any],
    client: Client,
    submit: Any,  # noqa: F811
) -> None:
    services.evidence_evaluate(now=NOW)
    pm = EvidenceSuggestion.objects.get(rule__quantity="pm25")
    noise = EvidenceSuggestion.objects.get(rule__quantity="LAeq")
    client.force_login(evidence["users"]["resident"])
    assert client.get("/sensors/evidence/").status_code == 403
    client.force_login(evidence["users"]["official"])
    page = client.get("/sensors/evidence/").content.decode()
    assert "PM2.5 above the WHO daily guideline" in page
    assert "North One" in page
    tree = evidence["categories"]["tree"]
    r = client.post(
        f"/sensors/evidence/{pm.pk}/confirm/",
        {f"c{pm.pk}-category": tree.pk, f"c{pm.pk}-description": "Dirty air by the ring road"},
        follow=True,
    )
    pm.refresh_from_db()
    assert pm.status == SuggestionStatus.CONFIRMED
    report = Report.objects.get(pk=pm.report_id)
    assert report.area is not None
    assert report.area.code == "n1"
    assert report.description.startswith("Dirty air by the ring road")
    assert "above 15 µg/m³" in report.description
    assert f"report #{report.pk}" in r.content.decode()
    # deciding twice is refused
    r = client.post(f"/sensors/evidence/{pm.pk}/dismiss/", follow=True)
    assert "decided already" in r.content.decode()
    # attached to a report the official answers for: a public update with the evidence
    pothole = submit(where=evidence["points"]["s2"])
    client.post(f"/sensors/evidence/{noise.pk}/attach/", {f"a{noise.pk}-report": pothole.pk})
    noise.refresh_from_db()
    assert noise.status == SuggestionStatus.ATTACHED
    update = ReportUpdate.objects.get(report=pothole)
    assert "night mean" in update.text
    assert update.public
    # decided within the window: not suggested again
    assert services.evidence_evaluate(now=NOW + timedelta(days=1)) == 0
    page = client.get("/sensors/evidence/").content.decode()
    assert "No suggestions are waiting." in page
    # the district's public page tells what the sensors suggested and what became of it
    public = Client().get("/sensors/districts/n1/").content.decode()
    assert "PM2.5 above the WHO daily guideline" in public
    assert f"report #{report.pk}" in public


def test_dismiss_and_coverage(evidence: dict[str, Any], client: Client) -> None:
    services.evidence_evaluate(now=NOW)
    s = EvidenceSuggestion.objects.get(rule__quantity="pm25")
    services.evidence_dismiss(suggestion=s, actor=evidence["users"]["admin"])
    s.refresh_from_db()
    assert s.status == SuggestionStatus.DISMISSED
    coverage = {row["area"]: row for row in selectors.coverage_by_area()}
    assert coverage["n1"]["sensors"] == 1
    assert coverage["n1"]["residents"] == 1000
    assert coverage["n1"]["sensors_per_10k"] == 10.0
    assert coverage["s2"]["sensors"] == 2
    assert coverage["s2"]["sensors_per_10k"] == 5.0
    assert coverage["n2"]["sensors"] == 0
    assert coverage["n2"]["coverage_percent"] is None
    services.sensors_check_quality(now=TODAY)
    coverage = {row["area"]: row for row in selectors.coverage_by_area()}
    assert coverage["n1"]["coverage_percent"] is not None
    assert 0 < coverage["n1"]["coverage_percent"] <= 100


def _selected(page: str, suggestion: EvidenceSuggestion) -> list[str]:
    """The option values preselected in a suggestion's confirm form."""
    import re

    select = re.search(rf'<select name="c{suggestion.pk}-category"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return re.findall(r'<option value="(\d+)" selected>', select.group(1))


def test_the_confirm_form_preselects_the_category_of_the_evidence_kind(
    evidence: dict[str, Any], client: Client
) -> None:
    from cocity.needs import services as needs_services

    services.evidence_evaluate(now=NOW)
    pm = EvidenceSuggestion.objects.get(rule__quantity="pm25")
    noise = EvidenceSuggestion.objects.get(rule__quantity="LAeq")
    client.force_login(evidence["users"]["official"])
    # no category for either kind: nothing preselected (the browser shows the first one)
    page = client.get("/sensors/evidence/").content.decode()
    assert _selected(page, pm) == _selected(page, noise) == []

    department = evidence["departments"]["parks"]
    air = needs_services.category_create(code="air-quality", name="Air", department=department)
    loud = needs_services.category_create(code="noise", name="Noise", department=department)
    page = client.get("/sensors/evidence/").content.decode()
    assert _selected(page, pm) == [str(air.pk)]
    assert _selected(page, noise) == [str(loud.pk)]
    # a category the rule names wins; a switched-off one is not offered
    tree = evidence["categories"]["tree"]
    noise.rule.category = tree
    noise.rule.save()
    needs_services.category_set_active(category=air, active=False)
    page = client.get("/sensors/evidence/").content.decode()
    assert _selected(page, noise) == [str(tree.pk)]
    assert _selected(page, pm) == []
