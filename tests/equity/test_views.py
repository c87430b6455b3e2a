"""Equity pages and API: they read the stored snapshot, in English and Spanish."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cocity.equity import services
from cocity.equity.models import Alert


@pytest.fixture
def snapshot(reported: dict[str, Any]) -> Any:
    return services.equity_refresh()


@pytest.fixture
def alert(city: dict[str, Any]) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        kind="vote",
        process_id=1,
        title="Budget 2027",
        titles={"es": "Presupuesto 2027"},
        link="/budgets/pb-2027/",
        area=city["areas"]["n1"],
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=10),
        participants=1,
        total=40,
        share=0.025,
        population_share=0.1,
        projected_share=0.02,
        threshold=0.5,
    )


def test_overview_maps_every_district_with_a_legend_and_a_table(
    snapshot: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        page = client.get("/equity/").content.decode()
    assert "Fewer reports does not mean fewer problems." in page
    assert page.count('<a href="/equity/districts/') >= 8  # on the map and in the table
    assert 'class="eq-legend"' in page
    assert '<caption id="t-measure">Reports per 1,000 residents</caption>' in page
    # each district's value is written on the map, not shown by colour alone
    assert ">3.0</text>" in page
    assert "Representativeness by district" in page


def test_overview_in_spanish(snapshot: Any, client: Client) -> None:
    page = client.get("/equity/?measure=pb_money_per_resident", HTTP_ACCEPT_LANGUAGE="es")
    text = page.content.decode()
    assert '<html lang="es"' in text
    assert "Menos avisos no significa menos problemas." in text
    assert "Dinero de presupuestos por habitante" in text


def test_an_unknown_measure_falls_back_to_reports(snapshot: Any, client: Client) -> None:
    page = client.get("/equity/?measure=nonsense").content.decode()
    assert '<caption id="t-measure">Reports per 1,000 residents</caption>' in page


def test_district_page_compares_with_the_city_and_shows_its_alert(
    snapshot: Any, alert: Alert, client: Client
) -> None:
    page = client.get("/equity/districts/n1/").content.decode()
    assert "Equity in North One" in page
    assert "Fewer reports does not mean fewer problems." in page
    assert f'href="/equity/alerts/{alert.pk}/"' in page
    assert "Who takes part from here" in page
    assert "1,000 residents;" in page  # grouped as the reader's language groups numbers
    assert "Median time to a first response" in page
    assert client.get("/equity/districts/nowhere/").status_code == 404


def test_alert_page_has_the_outreach_kit_in_both_languages(alert: Alert, client: Client) -> None:
    page = client.get(f"/equity/alerts/{alert.pk}/").content.decode()
    assert "Low participation in North One" in page
    assert '<div lang="en"><pre>Your voice is missing: North One' in page
    assert '<div lang="es"><pre>Falta tu voz: North One' in page
    assert "«Presupuesto 2027»" in page
    assert "paper ballot" in page
    assert client.get("/equity/alerts/999/").status_code == 404


def test_pages_without_a_snapshot_say_so_and_queue_one(
    city: dict[str, Any], client: Client
) -> None:
    page = client.get("/equity/").content.decode()
    assert "The figures are being computed." in page


def test_api(snapshot: Any, alert: Alert, client: Client) -> None:
    indicators = client.get("/api/equity/indicators/").json()
    assert {d["code"] for d in indicators["districts"]} == {"n1", "n2", "s1", "s2"}
    assert indicators["city"]["reports"] == 4
    district = client.get("/api/equity/districts/n1/").json()
    assert district["indicators"]["reports"] == 3
    rep = client.get("/api/equity/representation/").json()
    assert set(rep) >= {"reporters", "voters", "computed_at"}
    ineq = client.get("/api/equity/inequality/").json()
    assert ineq["indicators"][0]["indicator"] == "reports_per_1000"
    alerts = client.get("/api/equity/alerts/").json()
    assert alerts["results"][0]["area"] == "n1"
    missing = client.get("/api/equity/districts/nowhere/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")


def test_api_without_a_snapshot_is_404(city: dict[str, Any], client: Client) -> None:
    assert client.get("/api/equity/indicators/").status_code == 404
