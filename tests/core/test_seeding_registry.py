"""Every app with demo data registers its seeder when Django starts, so `cocity seed-demo` (and
`scripts/demo`) seeds it; a seeder module nobody imports would leave its pages empty in the demo."""

from __future__ import annotations

import importlib.util

from django.apps import apps

from cocity.core.seeding import seeders


def test_every_apps_seeder_module_is_registered_at_start_up() -> None:
    with_seeders = {
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("cocity.")
        and importlib.util.find_spec(f"{config.name}.seeders") is not None
    }
    assert {"core", "needs", "budgeting", "sensing"} <= with_seeders
    assert with_seeders <= {s.name for s in seeders()}
