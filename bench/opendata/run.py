"""How long open data releases take on a big city, beside the bare aggregation they rest on.

    .venv/bin/python bench/opendata/run.py [--n 1000000] [--postgres [URL]]

Loads N reports (12 districts of 0.03° × 0.03°, twelve months, 11 categories) into a temporary
SQLite database (or PostgreSQL), then times: the bare ``GROUP BY h3_cell, category, quarter`` the
report release rests on (the floor, raw SQL), the ``reports`` release (aggregation, coarsening to
H3 resolution 7, suppression below 10, CSV and GeoJSON, storing), the weekly OpenDP release and
the district counts.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "src"))

parser = argparse.ArgumentParser()
parser.add_argument("--n", type=int, default=1_000_000)
parser.add_argument("--postgres", nargs="?", const="postgres://postgres@127.0.0.1:5432/benchod")
ARGS = parser.parse_args()

os.environ["COCITY_VAR_DIR"] = tempfile.mkdtemp(prefix="cocity-bench-opendata-")
os.environ["DJANGO_SETTINGS_MODULE"] = "cocity.settings"
os.environ["LOG_LEVEL"] = "WARNING"
if ARGS.postgres:
    import psycopg

    os.environ["DATABASE_URL"] = ARGS.postgres
    name = psycopg.conninfo.conninfo_to_dict(ARGS.postgres)["dbname"]
    admin = psycopg.conninfo.make_conninfo(ARGS.postgres, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
else:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

import h3  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from cocity.needs.models import H3_RESOLUTION, Report  # noqa: E402

LAT0, LON0, SIDE, COLS, ROWS = 40.92, -5.74, 0.03, 4, 3


def square(lon0: float, lat0: float) -> dict[str, object]:
    ring = [[lon0, lat0], [lon0 + SIDE, lat0], [lon0 + SIDE, lat0 + SIDE], [lon0, lat0 + SIDE]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def load(n: int) -> float:
    from cocity.core import services as core
    from cocity.needs import services

    call_command("migrate", verbosity=0)
    areas = [
        core.area_upsert(
            code=f"d{i:02d}",
            name=f"District {i}",
            boundary=square(LON0 + (i % COLS) * SIDE, LAT0 + (i // COLS) * SIDE),
            population=100_000,
        )
        for i in range(COLS * ROWS)
    ]
    dept = core.department_create(code="streets", name="Streets")
    cats = [
        services.category_create(code=f"cat{i}", name=f"Category {i}", department=dept).pk
        for i in range(11)
    ]
    rng = random.Random(7)
    now = datetime.now(UTC)
    t = time.perf_counter()
    batch = []
    for i in range(n):
        col, row = rng.randrange(COLS), rng.randrange(ROWS)
        lat = LAT0 + row * SIDE + rng.random() * SIDE
        lon = LON0 + col * SIDE + rng.random() * SIDE
        created = now - timedelta(seconds=rng.random() * 365 * 86400)
        batch.append(
            Report(
                category_id=cats[i % len(cats)],
                description="bench",
                lat=lat,
                lon=lon,
                area=areas[row * COLS + col],
                h3_cell=h3.latlng_to_cell(lat, lon, H3_RESOLUTION),
                tracking_token=f"b{i:023x}",
                channel="api",
                status="submitted" if rng.random() < 0.15 else "closed",
                department=dept,
                created_at=created,
                updated_at=created,
                expected_at=created + timedelta(days=7),
            )
        )
        if len(batch) == 20_000:
            with transaction.atomic():
                Report.objects.bulk_create(batch)
            batch = []
    if batch:
        Report.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE needs_report" if connection.vendor == "postgresql" else "ANALYZE"
        )
    return time.perf_counter() - t


def timed(label: str, func: object) -> float:
    t = time.perf_counter()
    func()  # type: ignore[operator]
    seconds = time.perf_counter() - t
    print(f"{label:<58} {seconds:8.2f} s", flush=True)
    return seconds


def main() -> int:
    from cocity.equity.opendata.services import release_publish

    print(f"{connection.vendor}, {ARGS.n:,} reports; load average {os.getloadavg()[0]:.1f}")
    print(f"{'loaded in':<58} {load(ARGS.n):8.2f} s")
    quarter = (
        "strftime('%Y', created_at) || ((CAST(strftime('%m', created_at) AS integer) + 2) / 3)"
        if connection.vendor == "sqlite"
        else "date_trunc('quarter', created_at)"
    )
    sql = (
        f"SELECT h3_cell, category_id, {quarter}, COUNT(*) FROM needs_report "
        f"GROUP BY h3_cell, category_id, {quarter}"
    )

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    timed("floor: bare GROUP BY cell, category, quarter (raw SQL)", floor)
    timed(
        "release 'reports' (aggregate, coarsen, suppress, CSV+GeoJSON)",
        lambda: release_publish(dataset="reports"),
    )
    timed(
        "release 'reports-weekly' (OpenDP over every cell)",
        lambda: release_publish(dataset="reports-weekly"),
    )
    timed("release 'district-indicators'", lambda: release_publish(dataset="district-indicators"))
    timed(
        "unchanged 'reports' (rebuilt, compared, not stored)",
        lambda: release_publish(dataset="reports"),
    )
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
