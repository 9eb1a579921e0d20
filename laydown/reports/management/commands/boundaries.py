from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.reports import boundaries


class Command(BaseCommand):
    help = (
        "`boundaries import FILE`: check a GeoJSON file of administrative boundaries (OCHA "
        "COD-AB: ADM<n>_PCODE, ADM<n>_EN) and keep it for the map; `boundaries show`: list the "
        "areas kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["import", "show"])
        parser.add_argument("file", type=Path, nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            for area in boundaries.boundaries_current():
                self.stdout.write(f"{area.pcode}\t{area.name}")
            return
        if options["file"] is None:
            raise CommandError("boundaries import FILE: name the GeoJSON file")
        try:
            found = boundaries.boundaries_import(options["file"])
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from None
        except boundaries.BoundaryError as exc:
            raise CommandError(f"{options['file']}: {exc}; nothing was changed") from None
        self.stdout.write(f"{len(found)} areas kept for the map ({boundaries.boundaries_path()}).")
