"""`laydown container ...`: containers and racks without a browser."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.accounts.services import SYSTEM
from laydown.arms import selectors, services
from laydown.arms.management.commands.site import site_of
from laydown.core.errors import ValidationError


class Command(BaseCommand):
    help = (
        "`container create CODE --site SITE [--racks N]` (in a storage depot), `container update "
        "CODE --racks N`, `container open|close CODE [--reason TEXT]` (only an empty one closes), "
        "`container delete CODE --reason TEXT` (refused once it held anything: close it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="set up a container in a depot")
        create.add_argument("code")
        create.add_argument("--site", required=True)
        create.add_argument("--racks", type=int, default=0)
        update = sub.add_parser("update", help="change its number of racks")
        update.add_argument("code")
        update.add_argument("--racks", type=int, required=True)
        for action in ("open", "close"):
            p = sub.add_parser(action, help=f"{action} a container")
            p.add_argument("code")
            p.add_argument("--reason", default="")
        delete = sub.add_parser("delete", help="delete a container made by mistake")
        delete.add_argument("code")
        delete.add_argument("--reason", required=True)

    def handle(self, *args: Any, **o: Any) -> None:
        action = o["action"]
        try:
            if action == "create":
                box = services.container_create(
                    actor=SYSTEM, site=site_of(o["site"]), code=o["code"], racks=o["racks"]
                )
                self.stdout.write(f"Set up container {box.code} at {box.site_id}.")
                return
            found = selectors.container_get(o["code"])
            if found is None:
                raise CommandError(f"No container {o['code']!r}.")
            box = found
            if action == "update":
                services.container_update(actor=SYSTEM, container=box, racks=o["racks"])
                self.stdout.write(f"Container {box.code} has {o['racks']} racks.")
            elif action == "delete":
                services.container_delete(actor=SYSTEM, container=box, reason=o["reason"])
                self.stdout.write(f"Deleted container {box.code}.")
            else:
                status = "open" if action == "open" else "closed"
                services.container_status_set(
                    actor=SYSTEM, container=box, status=status, reason=o["reason"]
                )
                self.stdout.write(f"Container {box.code} is {status}.")
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
