"""Open data releases on a small city: coarsening, suppression, versions, the private weekly
counts and their budget, the pages in English and Spanish, the data package."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cocity.compute.opendata import cells
from cocity.equity.opendata.models import Release
from cocity.equity.opendata.services import release_publish

N1 = (40.9651234, -5.6951234)
S2 = (40.9551234, -5.6851234)


@pytest.fixture
def reported(city: dict[str, Any], settings: Any) -> dict[str, Any]:
    from cocity.needs import services

    settings.COCITY_OPENDATA_H3_RESOLUTION = 8
    settings.COCITY_OPENDATA_MIN_COUNT = 10
    category = services.category_create(
        code="litter", name="Litter", department=city["departments"]["parks"]
    )
    resident = city["users"]["resident"]
    for i in range(12):
        services.report_submit(
            category=category, description=f"Bags {i}", lat=N1[0], lon=N1[1], reporter=resident
        )
    for i in range(3):
        services.report_submit(
            category=category, description=f"Glass {i}", lat=S2[0], lon=S2[1], reporter=resident
        )
    return {**city, "category": category}


def _rows(release: Release, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(release.files.get(name=name).content)))


def test_reports_are_counted_per_cell_and_small_cells_are_left_out(
    reported: dict[str, Any], scan: Any
) -> None:
    release = release_publish(dataset="reports")
    assert release is not None
    assert release.version == 1
    rows = _rows(release, "reports.csv")
    cell = cells.coarsen_point(*N1, 8)
    assert [(r["h3_cell"], r["category"], r["reports"]) for r in rows] == [(cell, "litter", "12")]
    assert (float(rows[0]["cell_lat"]), float(rows[0]["cell_lon"])) == cells.centre(cell)
    assert release.privacy["suppressed_cells"] == 1  # the 3 reports in S2
    assert release.privacy["threshold"] == 10
    geo = json.loads(release.files.get(name="reports.geojson").content)
    assert [f["properties"]["reports"] for f in geo["features"]] == [12]
    files = {f.name: f.content for f in release.files.all()}
    user = reported["users"]["resident"]
    problems = scan(
        files, resolution=8, k=10, real_points=[N1, S2], words=[user.email, "Bags", "Glass"]
    )
    assert problems == []


def test_the_scanner_catches_a_location_a_name_and_a_small_cell(scan: Any) -> None:
    cell = cells.coarsen_point(*N1, 8)
    lat, lon = cells.centre(cell)
    bad = {
        "reports.csv": "quarter,category,h3_cell,cell_lat,cell_lon,reports\n"
        f"2026-Q1,litter,{cell},{lat},{lon},4\n"
        f"2026-Q1,litter,{cell},{N1[0]},{N1[1]},12\n",
        "other.csv": "who,lat\nresident@example.org,40.9651234\n",
    }
    problems = scan(bad, resolution=8, k=10, real_points=[N1], words=["resident@example.org"])
    assert any("below k=10" in p for p in problems)
    assert any("is not a cell centre" in p for p in problems)
    assert any("where a report was made" in p for p in problems)
    assert any("resident@example.org" in p for p in problems)
    assert any("other.csv: 40.9651234" in p for p in problems)


def test_a_release_is_made_only_when_the_content_changed(reported: dict[str, Any]) -> None:
    from cocity.needs import services

    first = release_publish(dataset="reports")
    assert first is not None
    assert release_publish(dataset="reports") is None
    for _ in range(10):
        services.report_submit(
            category=reported["category"], description="More", lat=S2[0], lon=S2[1]
        )
    second = release_publish(dataset="reports")
    assert second is not None
    assert second.version == 2
    assert second.checksum != first.checksum
    assert len(_rows(second, "reports.csv")) == 2  # S2 now holds 13


def test_weekly_private_counts_are_released_once_a_week_and_the_budget_adds_up(
    reported: dict[str, Any], settings: Any
) -> None:
    settings.COCITY_OPENDATA_EPSILON = 0.5
    next_week = timezone.now() + timedelta(days=7)
    first = release_publish(dataset="reports-weekly", now=next_week)
    assert first is not None
    assert first.privacy["epsilon"] == pytest.approx(0.5)
    assert first.privacy["epsilon_total"] == pytest.approx(0.5)
    assert first.privacy["cells_in_domain"] > 1  # every cell of the map got noise
    assert release_publish(dataset="reports-weekly", now=next_week) is None  # no second draw
    later = release_publish(dataset="reports-weekly", now=next_week + timedelta(days=7))
    assert later is not None
    assert later.version == 2
    assert later.privacy["epsilon_total"] == pytest.approx(1.0)
    for row in _rows(first, "reports-weekly.csv"):
        assert int(row["reports_noisy"]) >= 10


def test_the_page_lists_datasets_with_privacy_notes_in_english_and_spanish(
    reported: dict[str, Any],
) -> None:
    release_publish(dataset="reports")
    client = Client()
    page = client.get("/open-data/").content.decode()
    assert "Reports of problems by area and quarter" in page
    assert "Privacy note" in page
    assert "Cells with fewer than 10 are left out" in page
    assert "Fewer reports does not mean fewer problems" in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    client.cookies["django_language"] = "es"
    page = client.get("/open-data/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Datos abiertos" in page
    assert "Nota de privacidad" in page


def test_the_data_package_has_a_schema_per_table(reported: dict[str, Any]) -> None:
    release = release_publish(dataset="reports")
    assert release is not None
    package = Client().get("/open-data/reports/v1/datapackage.json").json()
    assert package["cocity"]["checksum"] == release.checksum
    tables = [r for r in package["resources"] if r["mediatype"] == "text/csv"]
    assert [t["schema"]["fields"][-1]["name"] for t in tables] == ["reports"]
    download = Client().get("/open-data/reports/latest/reports.csv")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert f"sha256:{tables[0]['hash'].split(':')[1]}" == "sha256:" + (
        release.files.get(name="reports.csv").sha256
    )


def test_the_command_publishes_what_changed_and_refuses_an_unknown_dataset(
    reported: dict[str, Any],
) -> None:
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("opendata", "publish", "reports", "district-indicators", stdout=out)
    assert "reports v1" in out.getvalue()
    assert "district-indicators v1" in out.getvalue()
    out = io.StringIO()
    call_command("opendata", "publish", "reports", stdout=out)
    assert out.getvalue().strip() == "nothing changed"
    with pytest.raises(CommandError, match="no such dataset"):
        call_command("opendata", "publish", "nope")


def test_the_pages_read_a_fixed_number_of_queries_and_no_file_contents(
    reported: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from cocity.needs import services

    release_publish(dataset="reports")
    release_publish(dataset="district-indicators")
    services.report_submit(category=reported["category"], description="x", lat=S2[0], lon=S2[1])
    release_publish(dataset="reports")  # a second version
    client = Client()
    client.get("/open-data/")  # warm the session and the translations
    for url in ("/open-data/", "/open-data/reports/"):
        with django_assert_max_num_queries(8) as queries:
            page = client.get(url)
        assert page.status_code == 200
        assert not any('"content"' in q["sql"] for q in queries.captured_queries), url
    assert "reports.csv" in client.get("/open-data/reports/").content.decode()


def test_weekly_counts_cover_exactly_the_last_complete_week(
    reported: dict[str, Any], settings: Any
) -> None:
    settings.COCITY_OPENDATA_EPSILON = 1000.0  # noise of scale 0.001: the true counts show
    this_week = release_publish(dataset="reports-weekly")  # last week: before the reports
    assert this_week is not None
    assert _rows(this_week, "reports-weekly.csv") == []
    next_week = release_publish(dataset="reports-weekly", now=timezone.now() + timedelta(days=7))
    assert next_week is not None
    rows = _rows(next_week, "reports-weekly.csv")
    assert [(r["h3_cell"], r["reports_noisy"]) for r in rows] == [
        (cells.coarsen_point(*N1, 8), "12")
    ]


def test_publishing_keeps_the_newest_releases_and_the_catalogue_still_validates(
    reported: dict[str, Any], settings: Any, shacl: Any
) -> None:
    from django.core.management import call_command

    from cocity.core.models import AuditEntry
    from cocity.equity.opendata.models import ReleaseFile
    from cocity.equity.opendata.services import release_publish_all
    from cocity.needs import services

    settings.COCITY_OPENDATA_KEEP_RELEASES = 2
    release_publish_all()
    for round_ in range(3):  # versions 2, 3 and 4 of the reports, each with new content
        for _ in range(10):
            services.report_submit(
                category=reported["category"], description=f"More {round_}", lat=S2[0], lon=S2[1]
            )
        call_command("opendata", "publish", stdout=io.StringIO())
    versions = list(
        Release.objects.filter(dataset="reports").order_by("version").values_list("version")
    )
    assert versions == [(3,), (4,)]
    # the deleted releases' files went with them; the kept ones still download
    assert not ReleaseFile.objects.filter(release__dataset="reports", release__version__lt=3)
    client = Client()
    assert client.get("/open-data/reports/v1/reports.csv").status_code == 404
    assert client.get("/open-data/reports/v2/datapackage.json").status_code == 404
    assert client.get("/open-data/reports/v3/reports.csv").status_code == 200
    assert client.get("/open-data/reports/latest/reports.csv").status_code == 200
    pruned = AuditEntry.objects.filter(action="opendata.releases_pruned", data__dataset="reports")
    assert sorted(v for e in pruned for v in e.data["versions"]) == [1, 2]
    for dataset in Release.objects.values_list("dataset", flat=True).distinct():
        assert Release.objects.filter(dataset=dataset).count() <= 2

    document = client.get("/open-data/catalog.jsonld").json()
    assert shacl(document) == {"DCAT-AP 3.0.0": [], "DCAT-AP-ES 1.0.0": []}
    linked = json.dumps(document)
    assert "/open-data/reports/v4/" in linked
    assert "/open-data/reports/v1/" not in linked


def test_the_privacy_budget_still_adds_up_after_old_weekly_releases_are_deleted(
    reported: dict[str, Any], settings: Any
) -> None:
    settings.COCITY_OPENDATA_EPSILON = 0.5
    settings.COCITY_OPENDATA_KEEP_RELEASES = 1
    week = timezone.now() + timedelta(days=7)
    for n in range(3):
        release = release_publish(dataset="reports-weekly", now=week + timedelta(days=7 * n))
        assert release is not None
    assert Release.objects.filter(dataset="reports-weekly").count() == 1
    assert release.privacy["epsilon_total"] == pytest.approx(1.5)
    # the period already released is still not drawn again
    assert release_publish(dataset="reports-weekly", now=week + timedelta(days=14)) is None
