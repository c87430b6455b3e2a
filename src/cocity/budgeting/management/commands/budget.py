"""``cocity budget export SLUG --out DIR``: each envelope's anonymised ballots as
``DIR/<envelope-slug>.pb``, with the counting rule and options in META (re-tally with
``cocity pb tally FILE --json``). ``cocity budget eligibility SLUG FILE``: add a CSV of
identifiers (and district codes) to the process's eligibility list, as keyed hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.budgeting import selectors, services
from cocity.budgeting.models import Process
from cocity.compute.pb.pabulib import write_pb
from cocity.core.errors import DomainError


class Command(BaseCommand):
    help = "Export a budget process's ballots as Pabulib files, one per envelope."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="write DIR/<envelope-slug>.pb for each envelope")
        exp.add_argument("slug")
        exp.add_argument("--out", required=True, help="folder to write to (created if missing)")
        eli = sub.add_parser("eligibility", help="import an eligibility list (CSV)")
        eli.add_argument("slug")
        eli.add_argument("file", help="CSV: identifier, district code (optional) per line")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            process = selectors.process_get(options["slug"])
        except Process.DoesNotExist:
            raise CommandError(f"no budget process {options['slug']!r}") from None
        if options["action"] == "eligibility":
            try:
                text = Path(options["file"]).read_text(encoding="utf-8-sig")
                counts = services.eligibility_import(
                    actor=None, process=process, rows=services.eligibility_rows(text)
                )
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read {options['file']}: {exc}") from None
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"{counts['added']} added, {counts['known']} already listed")
            return
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        for envelope in selectors.envelopes(process):
            path = out / f"{envelope.slug}.pb"
            election = selectors.envelope_election(envelope)
            write_pb(election, path)
            self.stdout.write(
                f"{path}: {len(election.projects)} projects, {election.num_voters} ballots"
            )
