from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.ledger import replay


class Command(BaseCommand):
    help = (
        "`ledger replay`: check that every stored record hashes to its leaf, that the tiles "
        "give the signed checkpoint's root, then rebuild every projection from the log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("replay", help="verify the log and rebuild projections")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = replay.ledger_replay(progress=True)
        except replay.ReplayError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Verified {result.records} records against checkpoint of size {result.size}; "
            f"applied {result.applied} to projections."
        )
