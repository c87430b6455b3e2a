from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cocity.core import services
from cocity.core.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Audit log tools: 'audit verify' checks the SHA-256 chain and names the first broken entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="verify the whole hash chain")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        broken = services.audit_verify()
        total = AuditEntry.objects.count()
        if broken is None:
            self.stdout.write(self.style.SUCCESS(f"Audit log intact: {total} entries verified."))
            return
        self.stderr.write(
            f"Audit log BROKEN at entry #{broken.entry_id} (position {broken.position + 1} of "
            f"{total}): {broken.reason}."
        )
        raise SystemExit(1)
