"""cocity runs where there is no ``fcntl`` (Windows): every module imports and a report is
saved on a file SQLite database, in a fresh interpreter where ``import fcntl`` fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import sys

# Celery's billiard takes its POSIX branch (fcntl) on this platform and another on Windows:
# loaded before fcntl goes, so that only cocity's own imports meet its absence
import billiard.compat  # noqa: F401

sys.modules["fcntl"] = None  # "import fcntl" now raises ImportError, as on Windows

import importlib
import json
import pkgutil

import django

django.setup()

import cocity

imported = []
for module in pkgutil.walk_packages(cocity.__path__, "cocity."):
    if "gunicorn" in module.name:  # the launcher of the gunicorn server (POSIX only)
        continue
    importlib.import_module(module.name)
    imported.append(module.name)

from django.core.management import call_command

call_command("migrate", verbosity=0)

from cocity.core import services as core
from cocity.needs import services
from cocity.needs.models import Report

square = [[-5.7, 40.95], [-5.69, 40.95], [-5.69, 40.96], [-5.7, 40.96], [-5.7, 40.95]]
boundary = {"type": "Polygon", "coordinates": [square]}
core.area_upsert(code="centre", name="Centre", boundary=boundary)
roads = core.department_create(code="roads", name="Roads")
services.category_create(code="pothole", name="Pothole", department=roads)
report = services.report_submit(
    category="pothole", description="A hole", lat=40.955, lon=-5.695, idempotency_key="k"
)
again = services.report_submit(
    category="pothole", description="A hole", lat=40.955, lon=-5.695, idempotency_key="k"
)
print(json.dumps({
    "imported": imported,
    "ids": [report.pk, again.pk],
    "stored": Report.objects.count(),
    "audit": core.audit_verify() is None,
    "fcntl_loaded": sys.modules["fcntl"] is not None,
}))
"""


@pytest.mark.slow
def test_cocity_imports_and_saves_a_report_without_fcntl(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cocity.settings",
        "COCITY_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cocity.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "cocity.needs.services.reports" in result["imported"]
    assert "cocity.core.management.commands.serve" in result["imported"]
    assert len(result["imported"]) > 100
    assert result["ids"][0] == result["ids"][1]
    assert result["stored"] == 1
    assert result["audit"] is True
    assert result["fcntl_loaded"] is False
