"""``cocity cocreation_measure [--day YYYY-MM-DD] [--queue]``: record the day's value of every
computed indicator (report counts, sensor means) of initiatives in pilot or evaluation. Run it
daily from cron; ``--queue`` hands the work to the background worker instead."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cocity.cocreation import services
from cocity.cocreation.tasks import measurements_fill_task


class Command(BaseCommand):
    help = "Record today's values of the computed indicators (report counts, sensor means)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=date.fromisoformat, default=None)
        parser.add_argument("--queue", action="store_true", help="queue the background task")

    def handle(self, *args: Any, day: date | None, queue: bool, **options: Any) -> None:
        if queue:
            measurements_fill_task.enqueue(day.isoformat() if day else None)
            self.stdout.write("queued")
            return
        self.stdout.write(f"{services.measurements_fill(day=day)} value(s) recorded")
