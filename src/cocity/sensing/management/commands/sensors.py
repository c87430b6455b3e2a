from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.core.errors import DomainError
from cocity.sensing import services


class Command(BaseCommand):
    help = (
        "Sensor tools: 'sensors create-key NAME [--no-register]' issues a key for NGSI-LD and "
        "MQTT (prints it once); 'sensors check' runs the quality checks on every sensor; "
        "'sensors evidence' evaluates the evidence rules; 'sensors notify' sends periodic "
        "subscriptions' notifications."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-key", help="issue a key and print it (shown once)")
        create.add_argument("name", help="the data provider's name")
        create.add_argument(
            "--no-register",
            action="store_true",
            help="the key writes only to known devices: unknown ones are not registered",
        )
        sub.add_parser("check", help="flag readings (drift too) and score every sensor")
        sub.add_parser(
            "evidence",
            help="evaluate the evidence rules (the defaults are created when missing)",
        )
        sub.add_parser(
            "notify", help="send the periodic (timeInterval) subscriptions' notifications"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "evidence":
            services.evidence_rules_defaults()
            opened = services.evidence_evaluate()
            self.stdout.write(f"evidence: {opened} new suggestions")
            return
        if action == "notify":
            from cocity.sensing.tasks import subscriptions_send_periodic

            self.stdout.write(f"sent {subscriptions_send_periodic()} notifications")
            return
        if action == "check":
            count = services.sensors_check_quality()
            drifting = services.sensors_check_drift()
            self.stdout.write(f"checked {count} sensors; drifting: {len(drifting)}")
            return
        try:
            _, key = services.sensor_key_create(
                name=options["name"], may_register=not options["no_register"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
