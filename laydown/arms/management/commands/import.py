"""`laydown import items|lots|materiel FILE` and `laydown import template FILE [--of ...]`
(format: docs/import.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.accounts.services import SYSTEM
from laydown.arms import import_job, importer, register_import
from laydown.core.imports.cli import file_read, import_run
from laydown.jobs.services import job_run_here


class Command(BaseCommand):
    help = (
        "`import items|lots|materiel FILE [--as USERNAME]`: check every row of a CSV or XLSX "
        "file of items (weapons), ammunition lots or materiel, report every problem, and import "
        "the file only if it has none, written in batches so that others can register "
        "meanwhile (a run cut short goes on with `laydown worker`). "
        "`import template FILE [--of items|lots|materiel]`: write an empty file with the "
        "columns (XLSX or CSV)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["items", "lots", "materiel", "template"])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--of",
            choices=list(TEMPLATES),
            default="items",
            help="with `template`: the register whose file to write (default: items)",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (their roles and sites apply); default: the operator",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        what = options["what"]
        if what == "template":
            TEMPLATES[options["of"]](path)
            self.stdout.write(f"Wrote {path}.")
            return
        actor = SYSTEM
        if options["username"]:
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}.")
            actor = principal_for_user(user)
        kind, layout = KINDS[what]
        content = file_read(path, layout.max_bytes)
        result = import_run(
            self,
            path,
            {"check": "Checking rows", "import": "Importing records"},
            lambda progress: job_run_here(
                actor=actor, kind=kind, name=path.name, content=content, progress=progress
            ),
        )
        done = result.get("count", 0)
        if done:
            self.stdout.write(
                f"Imported {done} {what} ({result['first_tag']} to {result['last_tag']})"
                + (
                    f"; {result['duplicates_confirmed']} confirmed duplicates."
                    if what == "items"
                    else "."
                )
            )
        else:
            self.stdout.write(f"Imported no {what.removesuffix('s')}.")
        if result.get("registered"):
            self.stdout.write(
                f"Left out {result['registered']} rows registered before with the same values."
            )
        if result.get("skipped"):
            self.stdout.write(
                f"Skipped {result['skipped']} rows of the export: their submissions were "
                "received before."
            )


KINDS = {
    "items": (import_job.KIND, importer.LAYOUT),
    "lots": (import_job.LOTS.name, register_import.LOTS.layout),
    "materiel": (import_job.MATERIEL.name, register_import.MATERIEL.layout),
}
TEMPLATES: dict[str, Callable[[Path], None]] = {
    "items": importer.items_template,
    "lots": lambda path: register_import.register_template(register_import.LOTS, path),
    "materiel": lambda path: register_import.register_template(register_import.MATERIEL, path),
}
