from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.ledger import coverage, replay


class Command(BaseCommand):
    help = (
        "`ledger replay`: check that every stored record hashes to its leaf, that the records "
        "give the root of every stored checkpoint and the tiles the newest one's, then rebuild "
        "every projection from the log (`--check`: check only). `ledger coverage`: what replay "
        "rebuilds and what it leaves out, and why (the text of docs/replay.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        replay_parser = sub.add_parser("replay", help="verify the log and rebuild projections")
        replay_parser.add_argument(
            "--check", action="store_true", help="only verify the log; change nothing"
        )
        sub.add_parser("coverage", help="print what replay rebuilds and what it leaves out")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "coverage":
            self.stdout.write(coverage.coverage_markdown(), ending="")
            return
        try:
            result = replay.ledger_replay(progress=True, check_only=options["check"])
        except replay.ReplayError as exc:
            raise CommandError(str(exc)) from exc
        verified = (
            f"Verified {result.records} records against {result.checkpoints} checkpoints "
            f"(the newest of size {result.size})"
        )
        if options["check"]:
            self.stdout.write(f"{verified}; changed nothing.")
        else:
            self.stdout.write(f"{verified}; applied {result.applied} to projections.")
