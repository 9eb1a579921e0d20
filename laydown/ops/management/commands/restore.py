from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.ledger import keys
from laydown.ops import backup
from laydown.ops.management.passphrase import unlock_given
from laydown.vault import crypto
from laydown.verify import main as verify_main


class Command(BaseCommand):
    help = (
        "`restore DIR`: bring a `laydown backup` back into an empty data directory and an "
        "empty database of the same engine (age identity from --identity or "
        "LAYDOWN_BACKUP_IDENTITY, else the passphrase from LAYDOWN_BACKUP_PASSPHRASE or the "
        "prompt), then check it: `ledger replay --check` and `laydown verify` of the restored "
        "log against the restored key."
    )
    requires_system_checks: list[str] = []  # no database query before the copy

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--identity", type=Path, help="age identity file that opens it")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["directory"]
        try:
            sealed_by = str(backup.manifest_read(directory).get("encrypted"))
            manifest = backup.restore_into_empty(
                directory=directory, unlock=unlock_given(options["identity"], sealed_by=sealed_by)
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        keys.log_signer.cache_clear()
        crypto.master_key.cache_clear()
        self.stdout.write(f"Restored a log of {manifest['log_size']} records; checking it.")
        call_command("ledger", "replay", "--check", stdout=self.stdout)
        with tempfile.TemporaryDirectory() as exported:
            call_command("log", "export", exported, "--no-bundle", stdout=self.stdout)
            if verify_main([exported, "--key", keys.log_verifier_key(), "--quiet"]) != 0:
                raise CommandError("The restored log does not verify (see above).")
        self.stdout.write("Restored and verified.")
