from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.core import services
from cocity.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage areas: 'areas import FILE.geojson' imports districts or neighbourhoods."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a GeoJSON FeatureCollection (all or nothing)")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--kind", default="district", choices=["city", "district", "neighbourhood"]
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        path: Path = options["file"]
        try:
            collection = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"{path}: no such file") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
        try:
            areas = services.areas_import_geojson(collection=collection, kind=options["kind"])
        except DomainError as exc:
            raise CommandError(f"{path}: {exc.message} Nothing was imported.") from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {len(areas)} areas from {path}."))
