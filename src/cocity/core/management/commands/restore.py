from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.core import backup, services
from cocity.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Replace the database with the backup in FILE (made by `cocity backup`), all or "
        "nothing, then verify the audit log's hash chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before replacing the database"
        )

    def handle(self, *args: Any, file: Path, yes: bool, **options: Any) -> None:
        if not yes and options.get("interactive", True):
            answer = input("This replaces everything in the database. Type 'restore' to go on: ")
            if answer.strip() != "restore":
                raise CommandError("Nothing restored.")
        try:
            vendor = backup.restore(file)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored the {vendor} database from {file}."))
        broken = services.audit_verify()
        if broken is not None:
            raise CommandError(
                f"The restored audit log is BROKEN at entry #{broken.entry_id}: {broken.reason}."
            )
        self.stdout.write(self.style.SUCCESS("Audit log intact after the restore."))
