"""``cocity conversation import DIR`` and ``cocity conversation export ID DIR``: the Polis
openData CSV format (votes.csv, comments.csv)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.core.errors import DomainError
from cocity.deliberation import polis, services
from cocity.deliberation.models import Conversation


class Command(BaseCommand):
    help = "Import or export a conversation in the Polis openData CSV format."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="create a conversation from a Polis export folder")
        imp.add_argument("folder")
        imp.add_argument("--topic", default="")
        imp.add_argument("--attribution", default="")
        imp.add_argument("--no-analysis", action="store_true")
        exp = sub.add_parser("export", help="write votes.csv and comments.csv")
        exp.add_argument("conversation", type=int)
        exp.add_argument("folder")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            try:
                conversation = services.conversation_import_polis(
                    folder=options["folder"],
                    topic=options["topic"],
                    attribution=options["attribution"],
                    analyse=not options["no_analysis"],
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                f"conversation {conversation.pk}: {conversation.topic} "
                f"({conversation.statements.count()} statements, "
                f"{conversation.participants.count()} participants, "
                f"{conversation.votes.count()} votes)"
            )
            return
        found = Conversation.objects.filter(pk=options["conversation"]).first()
        if found is None:
            raise CommandError(f"no conversation {options['conversation']}")
        votes, comments = polis.write_export(found, Path(options["folder"]))
        self.stdout.write(f"wrote {votes} and {comments}")
