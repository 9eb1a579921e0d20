"""`laydown import items FILE` and `laydown import template FILE` (format: docs/import.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.accounts.services import SYSTEM
from laydown.arms import import_job, importer
from laydown.core.imports.cli import file_read, import_run
from laydown.jobs.services import job_run_here


class Command(BaseCommand):
    help = (
        "`import items FILE [--as USERNAME]`: check every row of a CSV or XLSX file of items, "
        "report every problem, and import the file only if it has none, written in batches "
        "so that others can register meanwhile (a run cut short goes on with `laydown worker`). "
        "`import template FILE`: write an empty file with the columns (XLSX or CSV)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["items", "template"])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (their roles and sites apply); default: the operator",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["what"] == "template":
            importer.items_template(path)
            self.stdout.write(f"Wrote {path}.")
            return
        actor = SYSTEM
        if options["username"]:
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}.")
            actor = principal_for_user(user)
        content = file_read(path, importer.LAYOUT.max_bytes)
        result = import_run(
            self,
            path,
            {"check": "Checking rows", "import": "Importing records"},
            lambda progress: job_run_here(
                actor=actor,
                kind=import_job.KIND,
                name=path.name,
                content=content,
                progress=progress,
            ),
        )
        if result.get("count"):
            self.stdout.write(
                f"Imported {result['count']} items ({result['first_tag']} to "
                f"{result['last_tag']}); {result['duplicates_confirmed']} confirmed duplicates."
            )
        else:
            self.stdout.write("Imported no item.")
        if result.get("skipped"):
            self.stdout.write(
                f"Skipped {result['skipped']} rows of the export: their submissions were "
                "received before."
            )
