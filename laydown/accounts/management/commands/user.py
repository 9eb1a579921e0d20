from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.accounts import services
from laydown.core.errors import ValidationError


class Command(BaseCommand):
    help = (
        "`user create USERNAME --org CODE [--email E]`: create a user without a browser. The "
        "password is read from LAYDOWN_NEW_PASSWORD or asked for at the prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("username")
        create.add_argument("--org", required=True, help="the organisation's code")
        create.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("LAYDOWN_NEW_PASSWORD") or getpass.getpass("Password: ")
        try:
            user = services.user_create(
                actor=services.SYSTEM,
                username=options["username"],
                password=password,
                organisation=options["org"],
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created user {user.username} ({user.pseudonym}) of {options['org']}.")
