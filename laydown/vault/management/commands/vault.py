from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.vault import scrub, services


class Command(BaseCommand):
    help = (
        "`vault purge-expired`: delete personal data past its retention date and destroy the "
        "keys of subjects left with none (each erasure is a ledger record). Run it daily. "
        "`vault scrub`: remove what erased personal data left in the database files (each "
        "erasure does it once committed; run it if one warned that the database was busy)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("purge-expired", help="enforce retention dates")
        sub.add_parser("scrub", help="scrub erased data out of the database files")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "scrub":
            if not scrub.vault_scrub():
                raise CommandError("The database is busy; erased data is not scrubbed yet.")
            self.stdout.write("Scrubbed: no erased personal data is left in the database files.")
            return
        erased = services.vault_purge_expired()
        self.stdout.write(f"Erased {len(erased)} subjects whose retention period ended.")
