"""Participatory budgeting benchmarks (issue 14 point 10), with a reference measured in the same
run.

    .venv/bin/python bench/budgeting/run.py [--quick] [--postgres [URL]] [--seconds S]
                                            [--ballots N]

(a) Casting a ballot with a one-time code (POST /budgets/<p>/<e>/vote/code/, the form a voter
    without an account uses: CSRF token, code, choices) by 50 connections sending back to back
    (wrk, loopback, each request a fresh code: the saturation throughput) against `cocity serve`
    (2 workers); in the same run, on the same server, the floor: a bare view doing one INSERT
    and redirecting, behind the same middleware (bench_urls.py).
(a2) 50 concurrent voters (threads, one connection each) casting 50 ballots a second in all, an
    open loop (latency counted from when each ballot was due), ours and the floor at the same
    rate. Target: p99 < 100 ms.
(b) Tallying an envelope of N ballots (100,000 by default; 30 projects, approval up to 5)
    from the database to a stored result (`services.envelope_tally`: reading the ballots, the
    rule, the greedy comparison, the explanations of the losers, the hash, the Result row);
    reference: the engine alone on the same election in the same run. Target: < 10 s.

SQLite in a temporary COCITY_VAR_DIR by default; --postgres uses
postgres://postgres@127.0.0.1:5432/benchbudget (its tables are dropped first).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
PG_URL = "postgres://postgres@127.0.0.1:5432/benchbudget"

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true", help="short load runs, 20,000 ballots")
parser.add_argument("--postgres", nargs="?", const=PG_URL, default="")
parser.add_argument("--seconds", type=int, default=0, help="duration of each load run")
parser.add_argument("--ballots", type=int, default=0, help="ballots in the tallied envelope")
parser.add_argument("--connections", type=int, default=50, help="concurrent voters")
parser.add_argument(
    "--offered", type=float, default=50.0, help="ballots per second offered by the voters (a2)"
)
parser.add_argument("--threads", type=int, default=0, help="gunicorn threads (0: serve's default)")
ARGS = parser.parse_args()

VAR_DIR = tempfile.mkdtemp(prefix="cocity-bench-budget-")
os.environ["COCITY_VAR_DIR"] = VAR_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "cocity.settings"
os.environ["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "WARNING")
if ARGS.postgres:
    os.environ["DATABASE_URL"] = ARGS.postgres
    import psycopg

    _dbname = psycopg.conninfo.conninfo_to_dict(ARGS.postgres)["dbname"]
    with psycopg.connect(
        psycopg.conninfo.make_conninfo(ARGS.postgres, dbname="postgres"), autocommit=True
    ) as _admin:
        if (
            _admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_dbname]).fetchone()
            is None
        ):
            _admin.execute(f'CREATE DATABASE "{_dbname}"')
else:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cocity.budgeting import selectors, services  # noqa: E402
from cocity.budgeting.models import Ballot, Envelope, Idea, Process  # noqa: E402

PROJECTS = 30


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def prepare() -> dict[str, Any]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    from cocity.core import services as core

    official = core.user_create(
        email="bench@example.org",
        password=os.urandom(12).hex(),
        role="official",
        display_name="B",
    )
    now = timezone.now()
    day = timedelta(days=1)
    out: dict[str, Any] = {"official": official}
    for slug in ("cast", "tally"):
        process = services.process_create(
            actor=None,
            slug=f"bench-{slug}",
            title=f"Bench {slug}",
            max_choices=5,
            ideas_opens_at=now - 3 * day,
            review_opens_at=now - 2 * day,
            voting_opens_at=now + 2 * day,
            voting_closes_at=now + 3 * day,
        )
        env = services.envelope_create(
            actor=None, process=process, slug="city", name="City", amount=1_000_000
        )
        ideas = [
            Idea.objects.create(
                envelope=env,
                title=f"Project {i}",
                body="A project.",
                status="accepted",
                cost=20_000 + 7_919 * i % 90_000,
            )
            for i in range(PROJECTS)
        ]
        services.process_set_phase(actor=None, process=process, phase="voting")
        out[slug] = {"process": process, "envelope": env, "ideas": ideas}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_floor (id integer PRIMARY KEY "
            + ("GENERATED BY DEFAULT AS IDENTITY" if connection.vendor == "postgresql" else "")
            + ", body text NOT NULL)"
        )
    return out


# --- the served process -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.getheaders(), res.read()
    finally:
        conn.close()


def serve(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    threads = ["--threads", str(ARGS.threads)] if ARGS.threads else []
    log = open(Path(VAR_DIR) / "serve.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [
            *[str(VENV_BIN / "cocity"), "serve", "--no-worker", "--workers", "2"],
            *["--port", str(port), *threads],
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=VAR_DIR,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start: see " + str(Path(VAR_DIR) / "serve.log"))


# --- (a) casting at concurrency 50 ------------------------------------------------------------

LUA = """
local codes = {}
for line in io.lines("%(codes)s") do codes[#codes + 1] = line end
local counter = 0
local nthreads = %(threads)d
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  i = tid
end
function request()
  -- past the end of the list (the bare INSERT, which ignores the code, can outrun it on a
  -- quiet machine) the codes start again; a spent code would be a refused ballot, counted
  local code = codes[(i - 1) %% #codes + 1]
  i = i + nthreads
  local body = "%(prefix)s&code=" .. code
  return wrk.format("POST", nil, nil, body)
end
"""


def csrf(port: int, path: str) -> tuple[str, str]:
    """A CSRF cookie and a form token of one page (one pair serves every request)."""
    status, headers, body = request(port, "GET", path)
    assert status == 200, (status, body[:300])
    cookie = next(v for k, v in headers if k.lower() == "set-cookie" and "csrftoken" in v)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token is not None
    return cookie.split(";")[0], token.group(1).decode()


def wrk(port: int, path: str, codes: Path, prefix: str, cookie: str, seconds: int) -> dict:
    threads = 2
    script = Path(VAR_DIR) / "post.lua"
    script.write_text(LUA % {"codes": codes, "threads": threads, "prefix": prefix})
    cmd = [
        *["wrk", f"-t{threads}", f"-c{ARGS.connections}", f"-d{seconds}s", "--latency"],
        *["-H", f"Cookie: {cookie}", "-H", "Content-Type: application/x-www-form-urlencoded"],
        *["-H", f"Referer: http://127.0.0.1:{port}{path}", "-s", str(script)],
        f"http://127.0.0.1:{port}{path}",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        assert m is not None, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": rate,
        "requests": total,
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "non2xx": int(bad.group(1)) if bad else 0,
    }


def casting(port: int, ctx: dict[str, Any], seconds: int) -> dict[str, Any]:
    env: Envelope = ctx["cast"]["envelope"]
    ideas = ctx["cast"]["ideas"]
    path = f"/budgets/{env.process.slug}/{env.slug}/vote/code/"
    cookie, token = csrf(port, path)
    # enough fresh codes for the run at up to 1,500 casts a second
    need = 1500 * (seconds + 2) + 2000
    codes: list[str] = []
    while len(codes) < need:
        codes += services.codes_generate(
            actor=None, envelope=env, count=min(20_000, need - len(codes))
        )
    rng = random.Random(3)
    code_file = Path(VAR_DIR) / "codes.txt"
    code_file.write_text("\n".join(codes) + "\n")
    chosen = rng.sample(ideas, 3)
    prefix = urlencode(
        {"csrfmiddlewaretoken": token, "action": "cast", **{f"p{i.pk}": "1" for i in chosen}}
    )
    warm = Path(VAR_DIR) / "warm.txt"
    warm.write_text("\n".join(codes[-2000:]) + "\n")
    before = Ballot.objects.filter(envelope=env).count()
    wrk(port, "/bench/floor", warm, prefix, cookie, 2)  # warm both paths up
    wrk(port, path, warm, prefix, cookie, 2)
    warmed = Ballot.objects.filter(envelope=env).count()
    floor = wrk(port, "/bench/floor", code_file, prefix, cookie, seconds)
    ours = wrk(port, path, code_file, prefix, cookie, seconds)
    cast = Ballot.objects.filter(envelope=env).count() - warmed
    fresh = codes[ours["requests"] + 100 : -2000]
    every = ARGS.connections / ARGS.offered
    v_floor = voters(port, "/bench/floor", fresh, prefix, cookie, seconds, every)
    before_v = Ballot.objects.filter(envelope=env).count()
    v_ours = voters(port, path, fresh[v_floor["requests"] :], prefix, cookie, seconds, every)
    v_cast = Ballot.objects.filter(envelope=env).count() - before_v
    return {
        "ours": ours,
        "floor": floor,
        "cast": cast,
        "warm_cast": warmed - before,
        "v_ours": v_ours,
        "v_floor": v_floor,
        "v_cast": v_cast,
    }


def voters(
    port: int, path: str, codes: list[str], prefix: str, cookie: str, seconds: int, every: float
) -> dict[str, float]:
    """``ARGS.connections`` voters in threads, each with its own connection, each casting a
    ballot every ``every`` seconds (staggered): an open loop, so the latency is measured from
    the moment the ballot was due (a slow answer delays the next ones and is counted)."""
    import threading

    n = ARGS.connections
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    pool = iter(codes)
    start = time.perf_counter() + 0.5
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}{path}",
    }

    def voter(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        due = start + every * k / n
        while due < start + seconds:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            with lock:
                code = next(pool)
            conn.request("POST", path, body=f"{prefix}&code={code}", headers=headers)
            res = conn.getresponse()
            res.read()
            took = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(took)
                if res.status >= 400:
                    bad[0] += 1
            due += every
        conn.close()

    threads = [threading.Thread(target=voter, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "rate": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "non2xx": bad[0],
    }


# --- (b) tallying N ballots ---------------------------------------------------------------------


def bulk_ballots(env: Envelope, ideas: list[Any], n: int) -> float:
    """n approval ballots (1–5 projects each, popularity skewed) straight through the driver."""
    rng = random.Random(11)
    ids = [str(i.pk) for i in ideas]
    weights = [1.0 / (1 + k) for k in range(len(ids))]
    pg = connection.vendor == "postgresql"
    t = time.perf_counter()
    rows = []
    for k in range(n):
        picked = set(rng.choices(ids, weights=weights, k=rng.randint(1, 5)))
        choices = "{" + ", ".join(f'"{p}": 1' for p in sorted(picked)) + "}"
        rows.append(
            (uuid.uuid4().hex if not pg else str(uuid.uuid4()), env.pk, choices, f"B{k:015d}")
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO budgeting_ballot (id, envelope_id, choices, receipt, channel) "
            "VALUES (%s, %s, %s, %s, 'online')",
            rows,
        )
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE budgeting_ballot")
    return time.perf_counter() - t


def tallying(ctx: dict[str, Any], n: int) -> dict[str, float]:
    from cocity.compute.pb.tally import tally
    from cocity.compute.pb.tiebreak import TieBreak

    env: Envelope = ctx["tally"]["envelope"]
    load = bulk_ballots(env, ctx["tally"]["ideas"], n)
    Process.objects.filter(pk=env.process_id).update(phase_override="tally")
    env = Envelope.objects.get(pk=env.pk)
    t = time.perf_counter()
    result = services.envelope_tally(actor=None, envelope=env)
    ours = time.perf_counter() - t
    # the reference: the engine alone (the rule the process publishes), same election
    t = time.perf_counter()
    election = selectors.envelope_election(env)
    read = time.perf_counter() - t
    process = env.process
    tb = TieBreak(process.tie_break, seed=process.tie_break_seed)
    t = time.perf_counter()
    tally(election, process.rule, completion=process.completion, tie_break=tb)
    engine = time.perf_counter() - t
    return {
        "load": load,
        "ours": ours,
        "read": read,
        "engine": engine,
        "n": result.n_ballots,
        "winners": len(result.winners),
    }


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    seconds = ARGS.seconds or (5 if ARGS.quick else 15)
    n = ARGS.ballots or (20_000 if ARGS.quick else 100_000)
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(
        f"# budgeting benchmarks on {database}, {os.cpu_count()} CPUs, {loadavg()}, var {VAR_DIR}",
        flush=True,
    )
    ctx = prepare()
    port = free_port()
    server = serve(port)
    try:
        c = casting(port, ctx, seconds)
        o, f = c["ours"], c["floor"]
        print(
            f"(a) cast with a code, c{ARGS.connections}, {seconds} s: {o['rate']:.0f} ballots/s, "
            f"p50 {o['p50_ms']:.1f} ms, p99 {o['p99_ms']:.1f} ms (non-2xx/3xx {o['non2xx']}, "
            f"{c['cast']} ballots stored for {o['requests']} requests); floor (one INSERT): "
            f"{f['rate']:.0f} req/s, p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms; "
            f"{loadavg()}",
            flush=True,
        )
        vo, vf = c["v_ours"], c["v_floor"]
        print(
            f"(a2) {ARGS.connections} voters casting {ARGS.offered:.0f} ballots/s in all "
            f"(open loop, {seconds} s): p50 {vo['p50_ms']:.1f} ms, p99 {vo['p99_ms']:.1f} ms "
            f"({vo['requests']} ballots, {c['v_cast']} stored, errors {vo['non2xx']}); floor at "
            f"the same rate: p50 {vf['p50_ms']:.1f} ms, p99 {vf['p99_ms']:.1f} ms; {loadavg()}; "
            f"target p99 < 100 ms {'met' if vo['p99_ms'] < 100 else 'NOT MET'}",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    try:
        t = tallying(ctx, n)
        print(
            f"(b) tally of {t['n']:,} ballots, {PROJECTS} projects, database to stored result: "
            f"{t['ours']:.2f} s ({t['winners']} winners); reference: reading the ballots "
            f"{t['read']:.2f} s, the engine alone {t['engine']:.2f} s; bulk load "
            f"{t['load']:.1f} s; {loadavg()}; target < 10 s "
            f"{'met' if t['ours'] < 10 else 'NOT MET'}",
            flush=True,
        )
    finally:
        connection.close()
        shutil.rmtree(VAR_DIR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
