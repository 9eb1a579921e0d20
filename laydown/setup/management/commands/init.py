"""`laydown init`: a real programme's first run (the demo is `laydown demo`)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.core.errors import ValidationError
from laydown.ledger import keys
from laydown.setup import services
from laydown.vault import crypto, odk_encryption


class Command(BaseCommand):
    help = (
        "`init --org CODE --org-name NAME --admin USERNAME [--email E]`: start a real programme "
        "from nothing: create the data directory's tables and keys, the operator's organisation "
        "and its first administrator with a second factor (a TOTP secret printed once), then say "
        "what to do next. The password is read from LAYDOWN_NEW_PASSWORD or asked for. Runs once: "
        "refused when an administrator exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the operator's code, e.g. ddr-commission")
        parser.add_argument("--org-name", required=True, help="the operator's name")
        parser.add_argument("--admin", required=True, help="the first administrator's username")
        parser.add_argument("--email", default="")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where it is served")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if services.administrator_exists():
            raise CommandError(
                "This programme has an administrator already: `laydown init` runs once."
            )
        keys.key_create_if_absent()
        crypto.master_key_create_if_absent()
        odk_encryption.form_key_create_if_absent()
        password = os.environ.get("LAYDOWN_NEW_PASSWORD") or _password_asked()
        try:
            first = services.programme_init(
                org_code=options["org"],
                org_name=options["org_name"],
                username=options["admin"],
                password=password,
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        url = options["url"].rstrip("/")
        self.stdout.write(
            "\n".join(
                [
                    f"Data directory: {settings.DATA_DIR}",
                    f"Log verifier key: {keys.log_verifier_key()}",
                    f"Organisation: {first.organisation.code} ({first.organisation.name})",
                    f"Administrator: {first.user.username}",
                    "Second factor (TOTP), shown once: add it to an authenticator app now.",
                    f"  secret: {first.totp_secret}",
                    f"  uri:    {first.otpauth_uri}",
                    "",
                    "Next:",
                    "  1. laydown serve            (and `laydown worker` beside it, for imports)",
                    f"  2. sign in at {url}/accounts/sign-in/ as {first.user.username}, "
                    "then enter the code your authenticator app shows",
                    f'  3. open {url}/setup/ ("Before your first day"): the programme\'s '
                    "profile, sites, containers, users, witnesses and observers, with links",
                ]
            )
        )


def _password_asked() -> str:
    first = getpass.getpass("Password of the administrator: ")
    if first != getpass.getpass("Again: "):
        raise CommandError("The two passwords differ; nothing was created.")
    return first
