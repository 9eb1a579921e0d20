"""`laydown site ...`: sites without a browser, through the same services as the pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.accounts.services import SYSTEM
from laydown.arms import selectors, services
from laydown.arms.models import Site
from laydown.arms.vocab import SiteKind
from laydown.core.errors import ValidationError


def micro(value: str | None, option: str) -> int | None:
    """Decimal degrees as typed (40.409264) to micro-degrees; None if not given."""
    if value is None:
        return None
    try:
        return int(Decimal(value) * 1_000_000)
    except InvalidOperation:
        raise CommandError(f"{option} {value!r}: give decimal degrees, e.g. 40.409264.") from None


def site_of(code: str) -> Site:
    site = selectors.site_get(code)
    if site is None:
        raise CommandError(f"No site {code!r}.")
    return site


class Command(BaseCommand):
    help = (
        "`site create CODE NAME --kind KIND --region R [--place PCODE] [--lat D --lon D] "
        "[--planned]`, `site update CODE [--name N] [--kind K] [--region R] [--place P] "
        "[--lat D --lon D]`, `site open|close CODE [--reason TEXT]`, `site delete CODE --reason "
        f"TEXT` (refused once it held anything: close it), `site list`. Kinds: "
        f"{', '.join(SiteKind.values)}; coordinates in decimal degrees."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a site")
        create.add_argument("code")
        create.add_argument("name")
        create.add_argument("--kind", required=True, choices=SiteKind.values)
        create.add_argument("--region", required=True)
        create.add_argument("--planned", action="store_true", help="planned, not open yet")
        update = sub.add_parser("update", help="change a site's details")
        update.add_argument("code")
        update.add_argument("--name")
        update.add_argument("--kind", choices=SiteKind.values)
        update.add_argument("--region")
        for p in (create, update):
            p.add_argument("--place", help="P-code, e.g. AZ0101")
            p.add_argument("--lat", help="latitude, decimal degrees")
            p.add_argument("--lon", help="longitude, decimal degrees")
        for action in ("open", "close"):
            p = sub.add_parser(action, help=f"{action} a site")
            p.add_argument("code")
            p.add_argument("--reason", default="")
        delete = sub.add_parser("delete", help="delete a site made by mistake")
        delete.add_argument("code")
        delete.add_argument("--reason", required=True)
        sub.add_parser("list", help="list the sites")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._do(options["action"], options)
        except ValidationError as exc:
            raise CommandError(exc.message) from exc

    def _do(self, action: str, o: dict[str, Any]) -> None:
        if action == "list":
            for s in selectors.sites_list():
                self.stdout.write(f"{s.code}\t{s.kind}\t{s.region}\t{s.status}\t{s.name}")
            return
        if action == "create":
            site = services.site_create(
                actor=SYSTEM,
                code=o["code"],
                name=o["name"],
                kind=o["kind"],
                region=o["region"],
                place=o["place"] or "",
                lat_micro=micro(o["lat"], "--lat"),
                lon_micro=micro(o["lon"], "--lon"),
                status="planned" if o["planned"] else "open",
            )
            self.stdout.write(f"Created site {site.code} ({site.name}, {site.kind}).")
            return
        site = site_of(o["code"])
        if action == "update":
            lat, lon = micro(o["lat"], "--lat"), micro(o["lon"], "--lon")
            services.site_update(
                actor=SYSTEM,
                site=site,
                name=o["name"] or site.name,
                kind=o["kind"] or site.kind,
                region=o["region"] or site.region,
                place=site.place if o["place"] is None else o["place"],
                lat_micro=site.lat_micro if lat is None else lat,
                lon_micro=site.lon_micro if lon is None else lon,
            )
            self.stdout.write(f"Updated site {site.code}.")
        elif action == "delete":
            services.site_delete(actor=SYSTEM, site=site, reason=o["reason"])
            self.stdout.write(f"Deleted site {site.code}.")
        else:
            status = "open" if action == "open" else "closed"
            services.site_status_set(actor=SYSTEM, site=site, status=status, reason=o["reason"])
            self.stdout.write(f"Site {site.code} is {status}.")
