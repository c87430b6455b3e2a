from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from tests.conftest import square

from cocity import cli
from cocity.core.models import Area, AuditEntry, Department, Organisation, Role, User
from cocity.core.seeders import DISTRICTS

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_demo_city_deterministically(db: None) -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo city ready" in out.getvalue()
    assert Area.objects.count() == len(DISTRICTS) == 12
    assert Department.objects.count() == 8
    assert Organisation.objects.count() == 4
    for role in Role.values:
        assert User.objects.filter(role=role, email__endswith="@demo.cocity.city").exists()
    populations = sorted(Area.objects.values_list("population", flat=True))
    assert populations[0] < populations[-1] / 2  # districts really differ
    quintile_1 = [a.demographics["income_quintiles"][0] for a in Area.objects.all()]
    assert max(quintile_1) > 3 * min(quintile_1)
    boundaries = {a.code: a.boundary for a in Area.objects.all()}
    # every district's centroid falls inside that district
    from cocity.core.selectors import area_for_point

    for area in Area.objects.all():
        assert area_for_point(lat=area.centroid_lat, lon=area.centroid_lon) == area
    # same seed, same city
    import random

    from cocity.core.seeders import district_polygons
    from cocity.core.seeding import DEMO_SEED

    rng = random.Random(f"{DEMO_SEED}:core")
    again = district_polygons(rng)
    assert [boundaries[c] for c, *_ in DISTRICTS] == again


def test_seed_demo_if_empty_does_nothing_twice(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    users = User.objects.count()
    out = io.StringIO()
    call_command("seed_demo", if_empty=True, stdout=out)
    assert "already holds a city" in out.getvalue()
    assert User.objects.count() == users


def test_seed_demo_scale_multiplies(db: None) -> None:
    call_command("seed_demo", scale=2, stdout=io.StringIO())
    assert User.objects.filter(email__startswith="resident0").count() == 120
    with pytest.raises(SystemExit):
        call_command("seed_demo", scale=0, stdout=io.StringIO(), stderr=io.StringIO())


def test_demo_no_serve_migrates_seeds_and_prints_logins(db: None) -> None:
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out)
    assert "admin@demo.cocity.city" in out.getvalue()
    assert "cocity-demo" in out.getvalue()


def test_areas_import_command(tmp_path: Path, db: None) -> None:
    path = tmp_path / "areas.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "z1", "name": "Zeta", "population": 7},
                        "geometry": square(0, 0),
                    }
                ],
            }
        )
    )
    out = io.StringIO()
    call_command("areas", "import", str(path), stdout=out)
    assert "Imported 1 areas" in out.getvalue()
    assert Area.objects.get(code="z1").population == 7
    with pytest.raises(CommandError, match="no such file"):
        call_command("areas", "import", str(tmp_path / "missing.geojson"))
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("areas", "import", str(path))
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"properties": {}}]}))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("areas", "import", str(path))


def test_audit_verify_command_on_intact_log(city: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"{AuditEntry.objects.count()} entries verified" in out.getvalue()


def test_cli_aliases_and_dispatch(monkeypatch: pytest.MonkeyPatch, db: None) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    assert cli.main(["seed-demo", "--scale", "1"]) == 0
    assert seen == [["cocity", "seed_demo", "--scale", "1"]]


def test_console_command_runs(tmp_path: Path) -> None:
    res = subprocess.run(
        [str(Path(sys.executable).with_name("cocity")), "help", "audit"],
        capture_output=True,
        text=True,
        check=False,
        env={"COCITY_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0, res.stderr
    assert "verify" in res.stdout
