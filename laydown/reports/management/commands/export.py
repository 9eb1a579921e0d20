from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import Progress

from laydown.access.permissions import actor_of
from laydown.accounts.services import SYSTEM
from laydown.core.listing import Exported
from laydown.ledger import list_exports
from laydown.reports import exports


class Command(BaseCommand):
    help = (
        "`export DATASET FILE [--format csv|hxl|xlsx|geojson]`: write registry or aggregate data "
        f"without personal data. Datasets: {', '.join(exports.DATASETS)}. Streams any size, "
        "with a progress bar. Each export is a ledger record (ledger.list_exported), by the "
        "operator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", choices=sorted(exports.DATASETS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=sorted(exports.FORMATS), default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        dataset = exports.DATASETS[options["dataset"]]
        fmt = options["format"]
        if fmt == "geojson" and not dataset.geo:
            raise CommandError(f"{dataset.name} has no coordinates: GeoJSON is for sites.")
        total = dataset.count()
        exported = Exported(f"laydown-{dataset.name}", fmt, "", total)
        with Progress(transient=True) as bar:
            task = bar.add_task(f"Exporting {dataset.name}", total=total)
            if fmt == "xlsx":
                with open(options["file"], "wb") as out:
                    _record(exported)
                    exports.write_xlsx(dataset, out, lambda n: bar.update(task, completed=n))
            else:
                chunks = (
                    exports.geojson_chunks(dataset)
                    if fmt == "geojson"
                    else exports.csv_lines(dataset, hxl=fmt == "hxl")
                )
                with open(options["file"], "w", encoding="utf-8", newline="") as out:
                    _record(exported)
                    for n, chunk in enumerate(chunks):
                        out.write(chunk)
                        if n % exports.CHUNK == 0:
                            bar.update(task, completed=n)
        self.stdout.write(f"Wrote {options['file']} ({dataset.name}, {fmt}).")


def _record(exported: Exported) -> None:
    """The export's ledger record, as a dataset's from the web (ledger.list_exported), by the
    operator at the shell. Once its file is open (a bad path records nothing) and before a row
    is written: an export is a sensitive action, and one the ledger cannot record is not made."""
    list_exports.record_by(actor_of(SYSTEM), exported)
