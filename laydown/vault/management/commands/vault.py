from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from laydown.vault import services


class Command(BaseCommand):
    help = (
        "`vault purge-expired`: delete personal data past its retention date and destroy the "
        "keys of subjects left with none (each erasure is a ledger record). Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("purge-expired", help="enforce retention dates")

    def handle(self, *args: Any, **options: Any) -> None:
        erased = services.vault_purge_expired()
        self.stdout.write(f"Erased {len(erased)} subjects whose retention period ended.")
