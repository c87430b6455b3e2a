from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from cocity.core.seeders import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create or migrate the database, seed the demo city if it is empty, and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-serve", action="store_true", help="prepare only, do not serve")

    def handle(
        self, *args: Any, host: str, port: int, workers: int, no_serve: bool, **options: Any
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", if_empty=True, stdout=self.stdout)
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for email, role, _name in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<20} {email}")
        if no_serve:
            return
        os.environ["COCITY_DEMO"] = "1"
        call_command("serve", host=host, port=port, workers=workers)
