"""Load on the public pages (issue 13 point 12), with references measured in the same run.

    .venv/bin/python bench/load/run.py [--seconds 30] [--connections 200] [--var-dir DIR]
                                       [--record]

Seeds the demo city (`cocity seed-demo`) into a temporary COCITY_VAR_DIR, or reuses the one in
--var-dir, then starts `cocity serve` with its defaults (only the port is ours) and runs `wrk`
with 200 concurrent connections over five public pages, as anonymous visitors: the home page,
the report list, the map, one report and a conversation's results. Target: p99 < 300 ms and no
errors. In the same run, as references:

- the same pages with the anonymous page cache turned off (COCITY_PAGE_CACHE_SECONDS=0, the
  server restarted), so the cache's share shows;
- a small static file on the default server: the floor of a request through gunicorn and the
  WSGI stack (whitenoise answers it before Django's request handling).

Prints one table; --record appends it to bench/RESULTS.md with the machine's load average.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV_BIN = Path(sys.executable).parent
TARGET_P99_MS = 300.0
#: the floor: a static file (whitenoise, inside gunicorn and the WSGI stack, before Django's
#: request handling)
FLOOR = "/static/cocity/favicon.svg"
#: wrk counts a request still unanswered after this long as an error (a timeout)
TIMEOUT_S = 10

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=int, default=30, help="duration of each load run")
parser.add_argument("--connections", type=int, default=200)
parser.add_argument("--var-dir", default="", help="reuse (or seed once) the demo city here")
parser.add_argument("--record", action="store_true", help="append the figures to RESULTS.md")
ARGS = parser.parse_args()

LUA = """paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "COCITY_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING", **extra}
    env.pop("DATABASE_URL", None)  # the embedded SQLite database, as a default install
    if "COCITY_PAGE_CACHE_SECONDS" not in extra:
        env.pop("COCITY_PAGE_CACHE_SECONDS", None)  # the default TTL
    return env


def seed(var_dir: Path) -> None:
    done = var_dir / "seeded"
    if done.exists():
        return
    cocity = str(VENV_BIN / "cocity")
    for argv in ([cocity, "migrate", "-v0"], [cocity, "seed-demo"]):
        subprocess.run(argv, env=environment(var_dir), check=True, stdout=subprocess.DEVNULL)
    done.touch()


def pages(var_dir: Path) -> list[str]:
    """The five public pages: one report and one conversation with results from the demo."""
    probe = (
        "import django; django.setup(); "
        "from cocity.needs.models import Report; "
        "from cocity.deliberation.models import Conversation; "
        "print(Report.objects.order_by('pk').values_list('pk', flat=True)"
        ".first()); "
        "print(Conversation.objects.order_by('pk').values_list('pk', flat=True).first())"
    )
    env = environment(var_dir, DJANGO_SETTINGS_MODULE="cocity.settings")
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    report, talk = out[0], out[1]
    return ["/", "/needs/", "/needs/map/", f"/needs/{report}/", f"/conversations/{talk}/results/"]


def serve(var_dir: Path, port: int, **extra: str) -> subprocess.Popen[bytes]:
    log = open(var_dir / "serve.log", "ab")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [str(VENV_BIN / "cocity"), "serve", "--port", str(port)],
        env=environment(var_dir, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=var_dir,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"the server did not start: see {var_dir / 'serve.log'}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wrk(port: int, paths: list[str], seconds: int, var_dir: Path) -> dict[str, float | str]:
    script = var_dir / "pages.lua"
    script.write_text(LUA % ", ".join(f'"{p}"' for p in paths))
    cmd = [
        *["wrk", "-t4", f"-c{ARGS.connections}", f"-d{seconds}s", "--timeout", f"{TIMEOUT_S}s"],
        *["--latency", "-s", str(script), f"http://127.0.0.1:{port}/"],
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    (var_dir / "wrk.log").open("a").write(out)

    def ms(label: str) -> float:
        found = re.search(label + r"\s+([\d.]+)(us|ms|s)\b", out)
        assert found is not None, out
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate is not None, out
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    socket_errors = sum(int(n) for n in sockets.groups()) if sockets else 0
    p50, p99 = ms("50%"), ms("99%")
    if p99 == 0.0:  # no request finished within wrk's timeout: its latency is not measured
        p50 = p99 = float(TIMEOUT_S * 1000)
    return {
        "rate": float(rate.group(1)),
        "p50": p50,
        "p99": p99,
        "errors": (int(bad.group(1)) if bad else 0) + socket_errors,
    }


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    var_dir = Path(ARGS.var_dir or tempfile.mkdtemp(prefix="cocity-bench-load-")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    seed(var_dir)
    print(f"demo city in {var_dir} ({time.monotonic() - started:.0f} s)", flush=True)
    paths = pages(var_dir)
    port = free_port()
    rows: list[tuple[str, dict[str, float | str]]] = []

    proc = serve(var_dir, port)
    try:
        for path in paths:  # each page answers, as an anonymous visitor
            status, _ = get(port, path)
            assert status == 200, (path, status)
        wrk(port, paths, 3, var_dir)  # warm-up
        rows.append(
            ("public pages, `cocity serve` defaults", wrk(port, paths, ARGS.seconds, var_dir))
        )
        rows.append((f"floor: {FLOOR}, same server", wrk(port, [FLOOR], ARGS.seconds, var_dir)))
    finally:
        stop(proc)
    proc = serve(var_dir, port, COCITY_PAGE_CACHE_SECONDS="0")
    try:
        wrk(port, paths, 3, var_dir)
        rows.append(
            ("reference: same pages, page cache off", wrk(port, paths, ARGS.seconds, var_dir))
        )
    finally:
        stop(proc)

    load = os.getloadavg()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"{ARGS.connections} concurrent connections, {ARGS.seconds} s per run, wrk over "
        + ", ".join(f"`{p}`" for p in paths)
        + f"; {os.cpu_count()} cores, load average before the last run "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} ({when})",
        "",
        "| run | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |"
        )
    ours = rows[0][1]
    verdict = "PASS" if float(ours["p99"]) < TARGET_P99_MS and ours["errors"] == 0 else "FAIL"
    lines += ["", f"Target p99 < {TARGET_P99_MS:.0f} ms with 0 errors: {verdict}"]
    text = "\n".join(lines)
    print(text)
    if ARGS.record:
        with open(HERE.parent / "RESULTS.md", "a") as results:
            results.write(f"\n### Load on the public pages (bench/load/run.py)\n\n{text}\n")


if __name__ == "__main__":
    main()
