"""Interop: the PyPI Open311 client ``georeport`` reads our server, in JSON and in XML.

The client runs in its own virtualenv, ``<repo>/.venv-oracles/georeport`` (built from
tests/oracles/georeport.txt by scripts/test). When it is missing the test is skipped locally and
FAILS under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cocity.needs import services
from cocity.needs.models import Status

REPO = Path(__file__).resolve().parents[2]
ORACLE_PYTHON = REPO / ".venv-oracles" / "georeport" / "bin" / "python"
RUNNER = REPO / "tests" / "oracles" / "georeport_run.py"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.service]


@pytest.fixture
def oracle() -> Path:
    if not ORACLE_PYTHON.exists():
        message = (
            f"oracle virtualenv missing: {ORACLE_PYTHON} "
            "(python -m venv + pip install -r tests/oracles/georeport.txt)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return ORACLE_PYTHON


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_our_server(
    oracle: Path, live_server: Any, needs: dict[str, Any], submit: Any, fmt: str
) -> None:
    first = submit(where=needs["points"]["n1"])
    fixed = submit("tree", where=needs["points"]["s2"])
    services.report_change_status(
        report=fixed, status=Status.FIXED, actor=needs["users"]["admin"], note="Removed"
    )
    run = subprocess.run(
        [str(oracle), str(RUNNER), f"{live_server.url}/open311/v2", fmt, str(fixed.pk)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["services"] == ["fallen-tree", "pothole"]
    assert seen["definitions"]["fallen-tree"] == []
    assert seen["definitions"]["pothole"][:3] == [
        ["size", "singlevaluelist"],
        ["depth_cm", "number"],
        ["hazards", "multivaluelist"],
    ]
    assert seen["requests"] == [str(fixed.pk), str(first.pk)]
    assert seen["open"] == [str(first.pk)]
    assert seen["one"] == {"id": str(fixed.pk), "status": "closed"}
