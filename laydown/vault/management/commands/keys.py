"""`laydown keys`: the installation's keys, the log's signing key, the vault's master key and
the OpenRosa form key (the RSA key pair of encrypted ODK forms).

It lives in the vault rather than the ledger because it creates both, and the ledger imports no
app above it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from laydown.ledger import keys
from laydown.vault import crypto, odk_encryption


class Command(BaseCommand):
    help = (
        "Print the log's verifier key (name+keyid+base64). `keys init` creates the signing key "
        "for LAYDOWN_LOG_ORIGIN, the personal-data vault's master key and the OpenRosa form key "
        "(encrypted ODK submissions), if absent (mode 0600). "
        "Private keys are never printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["show", "init"], default="show")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "init":
            created = keys.key_create_if_absent()
            message = "Created the log key" if created else "The log key exists"
            self.stderr.write(f"{message}: {keys.key_path()}")
            if crypto.master_key_create_if_absent():
                self.stderr.write(f"Created the vault master key: {crypto.master_key_path()}")
            if odk_encryption.form_key_create_if_absent():
                path = odk_encryption.form_key_path()
                self.stderr.write(f"Created the OpenRosa form key: {path}")
        self.stdout.write(keys.log_verifier_key())
