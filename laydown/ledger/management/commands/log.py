from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from laydown.ledger import export


class Command(BaseCommand):
    help = (
        "`log export DIR [--bundle FILE]`: write the latest checkpoint and every hash tile in the "
        "C2SP tlog-tiles layout under DIR, for static mirrors; and the record bundle (records "
        "with salts, one per line, for auditors only) to FILE, by default DIR.records.jsonl "
        "beside DIR so that publishing DIR never publishes records."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="write checkpoint, tiles and record bundle")
        exp.add_argument("directory", type=Path)
        exp.add_argument("--bundle", type=Path, default=None)
        exp.add_argument("--no-bundle", action="store_true", help="write no record bundle")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        bundle: Path | None = None
        if not options["no_bundle"]:
            bundle = options["bundle"] or directory.with_name(directory.name + ".records.jsonl")
        result = export.log_export(directory=directory, bundle=bundle)
        self.stdout.write(
            f"Exported checkpoint of size {result.size}, {result.tiles} tiles to {directory}"
            + (f"; {result.records} records to {bundle}" if bundle else "")
        )
