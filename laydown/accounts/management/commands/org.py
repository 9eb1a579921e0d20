from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.access.roles import OrgKind
from laydown.accounts import services
from laydown.core.errors import ValidationError


class Command(BaseCommand):
    help = (
        "`org create CODE NAME --kind KIND`: create an organisation without a browser. "
        f"Kinds: {', '.join(OrgKind.values)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an organisation")
        create.add_argument("code", help="short code: lower-case letters, digits, dashes")
        create.add_argument("name")
        create.add_argument("--kind", required=True, choices=OrgKind.values)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            org = services.org_create(
                actor=services.SYSTEM,
                code=options["code"],
                name=options["name"],
                kind=options["kind"],
            )
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created organisation {org.code} ({org.name}, {org.kind}).")
