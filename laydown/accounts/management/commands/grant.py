from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.access.roles import Role
from laydown.accounts import services
from laydown.accounts.models import User
from laydown.core.errors import ValidationError


class Command(BaseCommand):
    help = (
        "`grant USERNAME ROLE [--scope programme|site:CODE|region:CODE] [--revoke]`: grant or "
        f"revoke a role without a browser. Roles: {', '.join(Role.values)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--scope", default="programme")
        parser.add_argument("--revoke", action="store_true", help="revoke instead of grant")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        service = services.role_revoke if options["revoke"] else services.role_grant
        try:
            service(actor=services.SYSTEM, user=user, role=options["role"], scope=options["scope"])
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        verb = "Revoked" if options["revoke"] else "Granted"
        self.stdout.write(f"{verb} {options['role']} at {options['scope']} for {user.username}.")
