from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.sensing.mqtt import Bridge


class Command(BaseCommand):
    help = (
        "Subscribe to the broker of MQTT_URL (QoS 1, a persistent session) and store device "
        "readings from /ul/<key>/<device>/attrs and /json/<key>/<device>/attrs exactly once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=settings.MQTT_URL, help="default: MQTT_URL")
        parser.add_argument(
            "--client-id",
            default=settings.MQTT_CLIENT_ID,
            help="the session's id: keep it fixed, so the broker keeps unacknowledged "
            "messages for the next start (default: MQTT_CLIENT_ID)",
        )

    def handle(self, *args: Any, url: str, client_id: str, **options: Any) -> None:
        if not url:
            raise CommandError("Set MQTT_URL (mqtt://host:1883) or pass --url.")
        try:
            bridge = Bridge(url, client_id=client_id)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: bridge.stop())
        self.stdout.write(f"MQTT bridge on {bridge.broker.host}:{bridge.broker.port}")
        self.stdout.flush()
        bridge.run()
