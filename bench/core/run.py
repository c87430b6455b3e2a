"""Foundation benchmarks, with the reference measured in the same run.

    .venv/bin/python bench/core/run.py

1. Point → area on the demo city: our STRtree index (single lookups and the bulk call) against
   the obvious reference, testing every district polygon with shapely ``contains`` in turn.
   Target ≥ 100,000 lookups/s.
2. The home page with the demo data: server time (p50, p95) and SQL query count, through
   Django's test client against a migrated SQLite database. Reference: a bare Django view that
   returns a fixed string through the same middleware stack. Targets p50 < 30 ms, ≤ 15 queries.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ["COCITY_VAR_DIR"] = tempfile.mkdtemp(prefix="cocity-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocity.settings")
os.environ.pop("DATABASE_URL", None)

import django

django.setup()

import shapely  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import path  # noqa: E402


def point_to_area() -> None:
    from cocity.compute.geo import parse_boundary
    from cocity.core import selectors
    from cocity.core.models import Area

    index = selectors.area_index()
    areas = list(Area.objects.values_list("id", "boundary"))
    minx, miny, maxx, maxy = shapely.GeometryCollection(
        [parse_boundary(b) for _, b in areas]
    ).bounds
    rng = random.Random(7)
    n = 200_000
    lats = [rng.uniform(miny - 0.005, maxy + 0.005) for _ in range(n)]
    lons = [rng.uniform(minx - 0.005, maxx + 0.005) for _ in range(n)]

    t = time.perf_counter()
    ours = [index.locate(la, lo) for la, lo in zip(lats, lons, strict=True)]
    single = n / (time.perf_counter() - t)

    t = time.perf_counter()
    bulk_result = index.locate_many(lats, lons)
    bulk = n / (time.perf_counter() - t)

    polys = [(key, parse_boundary(b)) for key, b in areas]
    m = 20_000
    t = time.perf_counter()
    ref = []
    for la, lo in zip(lats[:m], lons[:m], strict=True):
        p = shapely.Point(lo, la)
        ref.append(next((key for key, g in polys if g.contains(p)), None))
    naive = m / (time.perf_counter() - t)
    agree = sum(a == b for a, b in zip(ours[:m], ref, strict=True)) / m
    assert bulk_result == ours
    outside = sum(r is None for r in ours) / n
    print(
        "point → area on the demo city (12 districts, 200,000 random points, "
        f"{outside:.0%} outside the city)"
    )
    print(f"  ours, one call per point : {single:>12,.0f} lookups/s   (target ≥ 100,000)")
    print(f"  ours, bulk locate_many   : {bulk:>12,.0f} lookups/s")
    print(
        f"  reference, contains loop : {naive:>12,.0f} lookups/s   "
        f"(ours ×{single / naive:.1f}); answers agree on {agree:.2%} "
        "(points on a shared border may go either way)"
    )


def ok_view(request: object) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bare/", ok_view)]


def home_page() -> None:
    from cocity import urls

    urls.urlpatterns.insert(0, path("bare/", ok_view))
    client = Client()
    for _ in range(5):
        client.get("/")
        client.get("/bare/")

    def measure(url: str, runs: int = 300) -> tuple[float, float, int, int]:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            res = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        with CaptureQueriesContext(connection) as q:
            res = client.get(url)
        assert res.status_code == 200
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.95)], len(q), len(res.content)

    p50, p95, queries, size = measure("/")
    b50, b95, bq, _ = measure("/bare/")
    print("home page with the demo city (Django test client, SQLite, 300 requests)")
    print(
        f"  home  : p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  {queries} queries  {size / 1024:.1f} KB "
        "(targets p50 < 30 ms, ≤ 15 queries, < 100 KB)"
    )
    print(
        f"  bare view through the same middleware: p50 {b50:6.2f} ms  p95 {b95:6.2f} ms  {bq} queries"
    )


def main() -> int:
    with override_settings(DEBUG=False):
        t, c = time.perf_counter(), time.process_time()
        call_command("migrate", verbosity=0)
        migrate_s = (time.perf_counter() - t, time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        seed_s = (time.perf_counter() - t, time.process_time() - c)
        print("demo city on a fresh SQLite database (part of `cocity demo`'s first start)")
        print(f"  seed-demo : {seed_s[0]:6.1f} s wall  {seed_s[1]:6.1f} s CPU")
        print(
            f"  reference, migrate on the same database: {migrate_s[0]:6.1f} s wall  "
            f"{migrate_s[1]:6.1f} s CPU"
        )
        point_to_area()
        home_page()
    return 0


if __name__ == "__main__":
    sys.exit(main())
