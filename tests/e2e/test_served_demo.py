"""The demo as `cocity demo` serves it (gunicorn and the task worker as one process tree): a vote
cast in the browser changes the conversation's results page within seconds, with no command run
by hand. Screenshots of the results before and after."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cocity.deliberation.seeders import LOCAL_TOPIC

COCITY = str(Path(sys.executable).with_name("cocity"))
#: seeding the demo city (about 5,000 reports) on a slow, busy machine
START_TIMEOUT = 420
#: the recomputation is debounced (10 s) and the worker polls every second; generous for a busy
#: machine, still bounded
CHANGE_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, "cocity demo exited before serving"
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def _counts(page: Any) -> tuple[int, int]:
    """(participants, votes) as the results page shows them."""
    text = page.locator("#counts-heading + ul").inner_text()
    participants = re.search(r"([\d,.]+) participants?", text)
    votes = re.search(r"([\d,.]+) votes?", text)
    assert participants, text
    assert votes, text
    return (
        int(re.sub(r"\D", "", participants.group(1))),
        int(re.sub(r"\D", "", votes.group(1))),
    )


@pytest.mark.slow
def test_a_vote_changes_the_results_of_the_served_demo(
    tmp_path: Path, browser: Any, shot: Any
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "COCITY_VAR_DIR": str(tmp_path), "COCITY_ENV": "demo"}
    for name in ("DATABASE_URL", "COCITY_TASK_BACKEND"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [COCITY, "demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    context = None
    try:
        _wait_up(f"{base}/healthz", proc, START_TIMEOUT)
        context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.goto(f"{base}/conversations/")
        with page.expect_navigation():
            page.get_by_role("link", name=LOCAL_TOPIC, exact=True).click()
        conversation_url = page.url
        results_url = conversation_url.rstrip("/") + "/results/"
        page.goto(results_url)
        before = _counts(page)
        shot(page, "served-demo-results-before")

        # a newcomer votes on every statement of the card stack
        page.goto(conversation_url)
        voted = 0
        while page.locator("input[name=statement]").count():
            with page.expect_navigation():
                page.get_by_role("button", name="Agree", exact=True).click()
            voted += 1
        assert voted >= 3
        assert "You have voted on every statement" in page.content()

        # the worker `cocity serve` started recomputes the opinion map: poll, bounded
        expected = (before[0] + 1, before[1] + voted)
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while True:
            page.goto(results_url)
            now = _counts(page)
            if now == expected or time.monotonic() > deadline:
                break
            time.sleep(1)
        shot(page, "served-demo-results-after")
        assert now == expected, f"results still show {now}, expected {expected}"
    finally:
        if context is not None:
            context.close()
        proc.terminate()  # serve stops gunicorn and the worker with it
        out = proc.communicate(timeout=90)[0].decode()
    assert proc.returncode == 0, out
    assert "web workers; a task worker" in out
