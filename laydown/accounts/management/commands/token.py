"""`laydown token create USER`: an API token without a browser, for automation."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from laydown.accounts import services
from laydown.accounts.models import User
from laydown.core.errors import ValidationError


class Command(BaseCommand):
    help = (
        "`token create USERNAME --actions A,B --expires DATE|DAYSd [--name NAME]`: create an API "
        "token owned by USERNAME and print its secret once (send it as `Authorization: Bearer "
        "...`). The actions must be ones the user's roles allow (`laydown permissions` lists "
        "them); --expires is a date (YYYY-MM-DD) or a number of days such as 30d, at most 366. "
        "`token revoke PUBLIC_ID`: revoke one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print its secret once")
        create.add_argument("username")
        create.add_argument("--actions", required=True, help="comma-separated action names")
        create.add_argument("--expires", required=True, help="YYYY-MM-DD or a number of days: 30d")
        create.add_argument("--name", default="", help="what it is for (default: cli)")
        revoke = sub.add_parser("revoke", help="revoke a token by its public id")
        revoke.add_argument("public_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "revoke":
                services.token_revoke(actor=services.SYSTEM, public_id=options["public_id"])
                self.stdout.write(f"Revoked token {options['public_id']}.")
                return
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}.")
            actions = [a.strip() for a in options["actions"].split(",") if a.strip()]
            token, secret = services.token_create(
                actor=services.SYSTEM,
                owner=user,
                name=options["name"] or "cli",
                actions=actions,
                days=days_until(options["expires"]),
            )
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"Token {token.public_id} of {user.username} for {', '.join(token.actions)}, "
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC. Its secret is shown once:"
        )
        self.stdout.write(secret)


def days_until(expires: str) -> int:
    """Days from now to `expires`: `30d`, `30`, or a date YYYY-MM-DD (rounded up)."""
    text = expires.strip().lower()
    if text.rstrip("d").isdigit():
        return int(text.rstrip("d"))
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--expires {expires!r}: give a date (YYYY-MM-DD) or a number of days (30d)."
        ) from None
    end = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return max(0, math.ceil((end - timezone.now()).total_seconds() / 86400))
