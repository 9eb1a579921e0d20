"""`laydown import items FILE` and `laydown import template FILE` (format: docs/import.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.accounts.services import SYSTEM
from laydown.arms import importer
from laydown.core.errors import ValidationError


class Command(BaseCommand):
    help = (
        "`import items FILE [--as USERNAME]`: check every row of a CSV or XLSX file of items, "
        "report every problem, and import the file only if it has none (in one transaction). "
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
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        with Progress(
            "{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    label = "Checking rows" if phase == "check" else "Importing records"
                    tasks[phase] = bar.add_task(label, total=total)
                bar.update(tasks[phase], completed=done)

            try:
                result = importer.items_import(
                    actor=actor, name=path.name, content=content, progress=progress
                )
            except importer.ImportRefused as exc:
                bar.stop()
                for problem in exc.problems:
                    self.stderr.write(str(problem))
                raise CommandError(
                    f"{len(exc.problems)} problems in {path}; nothing was imported."
                ) from exc
            except ValidationError as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Imported {result.count} items ({result.first_tag} to {result.last_tag}); "
            f"{result.duplicates_confirmed} confirmed duplicates."
        )
