from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.accounts import services
from laydown.accounts.models import User
from laydown.core.errors import ValidationError


class Command(BaseCommand):
    help = (
        "`user create USERNAME --org CODE [--email E]`: create a user without a browser; "
        "`user password USERNAME`: set a user's password (lost, or none after a replay into an "
        "empty database). The password is read from LAYDOWN_NEW_PASSWORD or asked for at the "
        "prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("username")
        create.add_argument("--org", required=True, help="the organisation's code")
        create.add_argument("--email", default="")
        password = sub.add_parser("password", help="set a user's password")
        password.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["action"] == "password":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}.")
        password = os.environ.get("LAYDOWN_NEW_PASSWORD") or getpass.getpass("Password: ")
        try:
            if user is not None:
                services.user_password_set(actor=services.SYSTEM, user=user, password=password)
                self.stdout.write(f"Set the password of {user.username}.")
            else:
                user = services.user_create(
                    actor=services.SYSTEM,
                    username=options["username"],
                    password=password,
                    organisation=options["org"],
                    email=options["email"],
                )
                self.stdout.write(f"Created user {user.username} ({user.pseudonym}).")
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
