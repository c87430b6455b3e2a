from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cocity.compute.gazetteer import GazetteerError, read_csv, read_geojson
from cocity.core import services
from cocity.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Manage the gazetteer: 'places import FILE' imports street addresses and named places "
        "from a CSV (name,number,lat,lon) or GeoJSON file of points (all or nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a CSV or GeoJSON gazetteer (all or nothing)")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--replace", action="store_true", help="replace the whole gazetteer with the file"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"{path}: no such file") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text") from exc
        try:
            if path.suffix.lower() in {".json", ".geojson"} or text.lstrip().startswith("{"):
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise GazetteerError(f"not JSON ({exc.msg} at line {exc.lineno})") from exc
                rows = read_geojson(data)
            else:
                rows = read_csv(text)
            added = services.place_import(rows=rows, replace=options["replace"])
        except (GazetteerError, DomainError) as exc:
            raise CommandError(f"{path}: {exc} Nothing was imported.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {added} places from {path} ({len(rows)} rows read).")
        )
