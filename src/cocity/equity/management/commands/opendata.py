from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.equity.opendata.datasets import DATASETS
from cocity.equity.opendata.services import release_publish, release_publish_all


class Command(BaseCommand):
    help = (
        "Open data: 'opendata publish [DATASET …]' releases a new version of every dataset (or "
        "the ones named) whose content changed; run it daily, e.g. from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        publish = sub.add_parser("publish", help="release the datasets whose content changed")
        publish.add_argument("datasets", nargs="*", help=f"of: {', '.join(DATASETS)}")

    def handle(self, *args: Any, action: str, datasets: list[str], **options: Any) -> None:
        unknown = sorted(set(datasets) - set(DATASETS))
        if unknown:
            raise CommandError(
                f"no such dataset: {', '.join(unknown)} (one of {', '.join(DATASETS)})"
            )
        if datasets:
            made = [r for d in datasets if (r := release_publish(dataset=d)) is not None]
        else:
            made = release_publish_all()
        for r in made:
            self.stdout.write(f"{r.dataset} v{r.version} sha256:{r.checksum}")
        if not made:
            self.stdout.write("nothing changed")
