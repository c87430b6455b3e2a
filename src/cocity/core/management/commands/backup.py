from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.core import backup
from cocity.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database to FILE while cocity keeps serving "
        "(SQLite's online backup; pg_dump's custom format on PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            vendor = backup.backup(file)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Backed up the {vendor} database to {file}."))
