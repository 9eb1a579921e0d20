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
        "empty database); the password is read from LAYDOWN_NEW_PASSWORD or asked for at the "
        "prompt. `user deactivate|reactivate USERNAME`: stop or allow a user's sign-in and tokens."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("username")
        create.add_argument("--org", required=True, help="the organisation's code")
        create.add_argument("--email", default="")
        create.add_argument("--name", default="", help="the name colleagues know the user by")
        for action, text in (
            ("password", "set a user's password"),
            ("deactivate", "deactivate a user"),
            ("reactivate", "reactivate a deactivated user"),
        ):
            sub.add_parser(action, help=text).add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        action, username = options["action"], options["username"]
        try:
            if action == "create":
                user = services.user_create(
                    actor=services.SYSTEM,
                    username=username,
                    password=_new_password(),
                    organisation=options["org"],
                    email=options["email"],
                    name=options["name"],
                )
                self.stdout.write(f"Created user {user.username} ({user.pseudonym}).")
            elif action == "password":
                user = _user(username)
                services.user_password_set(
                    actor=services.SYSTEM, user=user, password=_new_password()
                )
                self.stdout.write(f"Set the password of {user.username}.")
            else:
                active = action == "reactivate"
                services.user_active_set(actor=services.SYSTEM, user=_user(username), active=active)
                self.stdout.write(f"{action.capitalize()}d {username}.")
        except ValidationError as exc:
            raise CommandError(exc.message) from exc


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    return user


def _new_password() -> str:
    return os.environ.get("LAYDOWN_NEW_PASSWORD") or getpass.getpass("Password: ")
