from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.core.errors import DomainError
from cocity.needs import services


class Command(BaseCommand):
    help = (
        "Open311 tools: 'open311 create-key NAME' issues an API key to a client app "
        "(--email-consent: the app asks its users' consent to e-mail updates)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-key", help="issue a key and print it (shown once)")
        create.add_argument("name", help="the client app's name")
        create.add_argument(
            "--email-consent",
            action="store_true",
            help="the app asks its users' consent to e-mail updates before sending 'email': "
            "updates on its reports are e-mailed to that address",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            _, key = services.open311_key_create(
                name=options["name"], email_consent=options["email_consent"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
