"""``cocity budget export SLUG --out DIR``: each envelope's anonymised ballots as
``DIR/<envelope-slug>.pb``, with the counting rule and options in META (re-tally with
``cocity pb tally FILE --json``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.budgeting import selectors
from cocity.budgeting.models import Process
from cocity.compute.pb.pabulib import write_pb


class Command(BaseCommand):
    help = "Export a budget process's ballots as Pabulib files, one per envelope."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="write DIR/<envelope-slug>.pb for each envelope")
        exp.add_argument("slug")
        exp.add_argument("--out", required=True, help="folder to write to (created if missing)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            process = selectors.process_get(options["slug"])
        except Process.DoesNotExist:
            raise CommandError(f"no budget process {options['slug']!r}") from None
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        for envelope in selectors.envelopes(process):
            path = out / f"{envelope.slug}.pb"
            election = selectors.envelope_election(envelope)
            write_pb(election, path)
            self.stdout.write(
                f"{path}: {len(election.projects)} projects, {election.num_voters} ballots"
            )
