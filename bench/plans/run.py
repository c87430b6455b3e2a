"""Co-written plans benchmark (issue 18 point 6), with a reference measured in the same run.

    .venv/bin/python bench/plans/run.py [--comments N] [--sections S] [--runs R] [--postgres [URL]]

A plan with S sections (200) and N comments (100,000), bulk-loaded: one busy section holds a
tenth of the comments, the others share the rest. Comments are short sentences drawn from
twenty themes, so the grouping has real work to do. Measured in this process through Django's
test client (every middleware, a signed-in resident, so no page cache), p50 and p95 of R
sequential requests:

  section   the page of a section picked at random (its text, amendments, forms, the groups of
            its comments and the first page of 20 comments). Target: p50 < 100 ms.
  busy      the busy section's page (10,000 comments).
  busy p50  the busy section's 50th page of comments.
  groups    the busy section's largest groups alone (the selector: counts by group, labels).
  comment   writing a comment in the busy section through the service (it finds its group
            among the section's groups so far).
  reference the plans' list page, the lightest page of the app, in the same run.

Each line also gives the p50 of the process's CPU time per request (the client, the view and
SQLite all run in this process): the request's own work, which a machine busy with other
programs stretches less than the wall clock.

SQLite in a temporary COCITY_VAR_DIR by default; --postgres uses
postgres://postgres@127.0.0.1:5432/benchplans (its tables are dropped first).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

PASSWORD = "bench-" + "pw-12345-long"  # a throwaway account in a temporary database
PG_URL = "postgres://postgres@127.0.0.1:5432/benchplans"
parser = argparse.ArgumentParser()
parser.add_argument("--comments", type=int, default=100_000)
parser.add_argument("--sections", type=int, default=200)
parser.add_argument("--runs", type=int, default=100)
parser.add_argument("--postgres", nargs="?", const=PG_URL, default="")
ARGS = parser.parse_args()

VAR_DIR = tempfile.mkdtemp(prefix="cocity-bench-plans-")
os.environ["COCITY_VAR_DIR"] = VAR_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "cocity.settings"
os.environ["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "WARNING")
os.environ["COCITY_PAGE_CACHE_SECONDS"] = "0"
if ARGS.postgres:
    os.environ["DATABASE_URL"] = ARGS.postgres
    import psycopg

    _dbname = psycopg.conninfo.conninfo_to_dict(ARGS.postgres)["dbname"]
    with psycopg.connect(
        psycopg.conninfo.make_conninfo(ARGS.postgres, dbname="postgres"), autocommit=True
    ) as _admin:
        _admin.execute(f'DROP DATABASE IF EXISTS "{_dbname}"')
        _admin.execute(f'CREATE DATABASE "{_dbname}"')
else:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.getLogger("cocity.request").setLevel(logging.WARNING)  # one line per request otherwise

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

THEMES = [
    "more shade at the bus stops",
    "trees on the narrow streets",
    "water the young trees in summer",
    "benches under the trees",
    "raised crossings near schools",
    "cycle lanes separated from cars",
    "quieter streets at night",
    "fountains in the squares",
    "rain water from school roofs",
    "green roofs on public buildings",
    "pay for it with European funds",
    "publish the spending street by street",
    "plant fruit trees the neighbours care for",
    "wider pavements for wheelchairs",
    "fewer parking places on the avenue",
    "shade for the market square",
    "protect the old trees in the park",
    "sprinklers in the playgrounds",
    "ask the schools what they need",
    "start with the hottest district",
]
FILLER = ["please", "really", "I think", "for the children", "for older people", "this summer"]


def comment_text(rng: random.Random) -> str:
    theme = rng.choice(THEMES)
    return f"{rng.choice(FILLER).capitalize()}: {theme}, {rng.choice(FILLER)} {rng.randint(1, 99)}"


def load() -> dict[str, Any]:
    from cocity.cocreation.models_plans import Amendment, PlanComment
    from cocity.cocreation.plans import services
    from cocity.compute.cocreation.plans import best_group, words
    from cocity.core import services as core_services
    from cocity.core.models import Role

    official = core_services.user_create(
        email="official@bench.example", password=PASSWORD, role=Role.OFFICIAL
    )
    resident = core_services.user_create(
        email="resident@bench.example", password=PASSWORD, role=Role.RESIDENT
    )
    body = "The city plants trees, collects rain water and calms traffic. " * 6
    draft = "# Bench plan\n\n" + "\n\n".join(
        f"## Section {i}\n\n{body}" for i in range(1, ARGS.sections + 1)
    )
    plan = services.plan_import(actor=official, markdown=draft)
    sections = list(plan.sections.order_by("position"))
    for section in sections[:: max(1, len(sections) // 20)]:
        services.amendment_propose(
            section=section, author=resident, quote="plants trees", text="plants 800 trees"
        )
    rng = random.Random(18)  # seeded synthetic data
    busy = sections[0]
    now = timezone.now()
    started = time.perf_counter()
    # each comment joins its group as plan_comment_add would (the same compute functions),
    # with ids given here so a whole batch goes in one INSERT
    leaders: dict[int, list[tuple[int, frozenset[str]]]] = {s.pk: [] for s in sections}
    next_id = (PlanComment.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    batch: list[PlanComment] = []
    for i in range(ARGS.comments):
        section = busy if i % 10 == 0 else sections[1 + (i % (len(sections) - 1))]
        text = comment_text(rng)
        bag = words(text)
        pk = next_id + i
        group = best_group(bag, leaders[section.pk], threshold=services.GROUP_THRESHOLD)
        if group is None:
            leaders[section.pk].append((pk, bag))
            group = pk
        batch.append(
            PlanComment(
                id=pk,
                section=section,
                author=resident,
                body=text,
                words=" ".join(sorted(bag)),
                group_id=group,
                created_at=now - timedelta(seconds=ARGS.comments - i),
            )
        )
        if len(batch) == 5000:
            PlanComment.objects.bulk_create(batch)
            batch = []
    PlanComment.objects.bulk_create(batch)
    # ids given by hand do not move PostgreSQL's sequence: move it past them, as loaddata does
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [PlanComment]):
            cursor.execute(sql)
    loaded = time.perf_counter() - started
    return {
        "plan": plan,
        "sections": sections,
        "busy": busy,
        "resident": resident,
        "loaded_s": loaded,
        "amendments": Amendment.objects.count(),
    }


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    """Wall-clock p50 and p95 of ``runs`` calls, and the p50 of this process's CPU time: the
    test client, the view and SQLite all run in this process, so CPU time is the request's own
    work, which other programs on a busy machine do not stretch as they stretch the wall
    clock."""
    fn()  # warm up
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    return {
        "p50": statistics.median(walls),
        "p95": walls[max(0, int(len(walls) * 0.95) - 1)],
        "cpu": statistics.median(cpus),
    }


def main() -> int:
    call_command("migrate", verbosity=0)
    ctx = load()
    plan = ctx["plan"]
    client = Client()
    client.force_login(ctx["resident"])
    rng = random.Random(6)  # which sections to ask for

    def get(path: str) -> Callable[[], Any]:
        def fetch() -> Any:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return fetch

    def random_section() -> Any:
        section = rng.choice(ctx["sections"][1:])
        return get(f"/challenges/plans/{plan.pk}/sections/{section.pk}/")()

    from cocity.cocreation.plans import selectors

    busy = ctx["busy"]
    page = get(f"/challenges/plans/{plan.pk}/sections/{busy.pk}/")().content.decode()
    assert "groups of similar comments" in page, "the busy section shows no groups"
    groups = selectors.comment_groups(busy)
    busy_path = f"/challenges/plans/{plan.pk}/sections/{busy.pk}/"
    # a comment through the service: it finds its group among the busy section's
    from cocity.cocreation.plans import services

    def comment() -> Any:
        return services.plan_comment_add(
            section=busy, author=ctx["resident"], body=comment_text(rng)
        )

    results = {
        "reference": timed(get("/challenges/plans/"), ARGS.runs),
        "section": timed(random_section, ARGS.runs),
        "busy": timed(get(busy_path), ARGS.runs),
        "busy_page50": timed(get(busy_path + "?page=50"), ARGS.runs),
        "groups": timed(lambda: selectors.comment_groups(busy), ARGS.runs),
        "comment": timed(comment, max(10, ARGS.runs // 5)),
    }
    groups = selectors.comment_groups(busy)
    database = "PostgreSQL" if ARGS.postgres else "SQLite"
    print(
        f"plans bench ({database}, {connection.vendor}; DEBUG={settings.DEBUG}): "
        f"{ARGS.sections} sections, {ARGS.comments:,} comments "
        f"(busy section: {busy.comments.count():,}), {ctx['amendments']} amendments, "
        f"loaded in {ctx['loaded_s']:.1f} s; {groups['count']} groups in the busy section "
        f"(largest {groups['groups'][0]['size']}); {ARGS.runs} sequential requests each; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for name, label in [
        ("section", "section page (random section)"),
        ("busy", "busy section's page"),
        ("busy_page50", "busy section, comments page 50"),
        ("groups", "busy section's groups (selector)"),
        ("comment", "a comment joining its group (service)"),
        ("reference", "reference: the plans' list page"),
    ]:
        r = results[name]
        print(
            f"  {label:40s} p50 {r['p50']:7.1f} ms   p95 {r['p95']:7.1f} ms   "
            f"CPU p50 {r['cpu']:6.1f} ms"
        )
    target = results["section"]["p50"] < 100
    print(f"target section page p50 < 100 ms: {'met' if target else 'NOT met'}")
    return 0 if target else 1


if __name__ == "__main__":
    sys.exit(main())
