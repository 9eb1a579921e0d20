from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.access.permissions import matrix_markdown


class Command(BaseCommand):
    help = (
        "Print the permission matrix (`--markdown`, the text of docs/permissions.md), or check "
        "that a file holds exactly that text (`--check FILE`, exit status 1 when it differs)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--markdown", action="store_true", help="print the matrix as Markdown")
        mode.add_argument("--check", metavar="FILE", type=Path, help="compare FILE with it")

    def handle(self, *args: Any, **options: Any) -> None:
        text = matrix_markdown()
        if options["markdown"]:
            self.stdout.write(text, ending="")
            return
        path: Path = options["check"]
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            raise CommandError(
                f"{path} differs from the permission matrix in the code; "
                f"run `laydown permissions --markdown > {path}`."
            )
        self.stdout.write(f"{path} matches the permission matrix.")
