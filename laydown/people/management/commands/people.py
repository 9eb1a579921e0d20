"""`laydown people import FILE` and `laydown people template FILE` (format: docs/import.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.access.permissions import Principal
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.core import imports
from laydown.core.imports.cli import file_read, import_run
from laydown.jobs import services as jobs
from laydown.people import import_job, importer


class Command(BaseCommand):
    help = (
        "`people import FILE --as USERNAME [--dry-run]`: check every row of a CSV or XLSX file "
        "of participants, list every problem by row, column, value and reason, and import the "
        "file only if it has none (in one transaction; personal data to the vault). "
        "`people template FILE`: write an empty file with the columns (CSV or XLSX)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["import", "template"])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            help="import as this user: their roles and regions apply (required for import: "
            "the operator's admin role holds no personal-data rights)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only check the file; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["what"] == "template":
            importer.participants_template(path)
            self.stdout.write(f"Wrote {path}.")
            return
        if not options["username"]:
            raise CommandError("Say whose import this is: --as USERNAME (a registrar, say).")
        actor = self._actor(options["username"])
        data = file_read(path, importer.MAX_BYTES)
        count, skipped = self._run(actor, path, data, dry_run=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write(f"{count} rows checked in {path}: no problems; nothing written.")
        else:
            self.stdout.write(f"Imported {count} participants from {path}.")
        if skipped:
            self.stdout.write(
                f"Skipped {skipped} rows of the export: their submissions were received before."
            )

    def _actor(self, username: str) -> Principal:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return principal_for_user(user)

    def _run(self, actor: Principal, path: Path, data: bytes, *, dry_run: bool) -> tuple[int, int]:
        """The rows checked (a dry run) or imported, and those of an export skipped."""
        labels = {"check": "Checking rows", "import": "Registering participants"}

        def run(progress: importer.Progress) -> tuple[int, int]:
            if dry_run:
                checked = importer.participants_checked(
                    actor=actor, filename=path.name, data=data, progress=progress
                )
                return len(imports.checked_or_refused(checked)), checked.skipped
            # the staged, sealed path of the worker, in this process (committed in batches)
            done = jobs.job_run_here(
                actor=actor, kind=import_job.KIND, name=path.name, content=data, progress=progress
            )
            return int(done.get("count", 0)), int(done.get("skipped", 0))

        result: tuple[int, int] = import_run(self, path, labels, run)
        return result
