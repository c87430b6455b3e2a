"""``cocity invest_tick``: close the campaigns past their deadline and send the volunteers'
reminders (run it from cron every few minutes; both steps are idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cocity.investment.tasks import campaigns_close_task, volunteer_reminders_task


class Command(BaseCommand):
    help = "Close campaigns past their deadline and remind tomorrow's volunteers."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = campaigns_close_task.call()
        reminded = volunteer_reminders_task.call()
        self.stdout.write(f"closed {closed} campaigns, reminded {reminded} volunteers")
