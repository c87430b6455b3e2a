from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cocity.core import seeding
from cocity.core.models import Area


class Command(BaseCommand):
    help = "Seed the deterministic demo city (fixed random seed). Skips when data exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="multiply the amount of demo data")
        parser.add_argument("--seed", type=int, default=seeding.DEMO_SEED)
        parser.add_argument("--if-empty", action="store_true", help="do nothing if areas exist")

    def handle(self, *args: Any, scale: int, seed: int, if_empty: bool, **options: Any) -> None:
        if scale < 1:
            self.stderr.write("--scale must be 1 or more")
            raise SystemExit(2)
        if if_empty and Area.objects.exists():
            self.stdout.write("The database already holds a city; not seeding.")
            return
        seeding.run_all(scale=scale, seed=seed, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo city ready."))
