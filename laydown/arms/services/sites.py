"""Writes of sites, containers and seals."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.access.roles import Scope
from laydown.accounts.services import SYSTEM
from laydown.arms import checks, records
from laydown.arms.models import Container, Seal, Site
from laydown.arms.selectors import container_seal
from laydown.arms.services.common import append_record, authorize_at
from laydown.arms.vocab import SealStatus, SiteKind, SiteStatus
from laydown.core import validators


def site_create(
    *,
    actor: Principal,
    code: str,
    name: str,
    kind: str,
    region: str,
    lat_micro: int | None = None,
    lon_micro: int | None = None,
    status: str = SiteStatus.OPEN,
) -> Site:
    """Create a site; coordinates are micro-degrees (integers: 40.123456° -> 40123456)."""
    if actor is not SYSTEM:
        authorize(actor, "arms.site_manage", scope=Scope(region=region))
    code = code.strip().lower()
    for field, value in (("code", code), ("region", region)):
        if not validators.CODE.match(value):
            raise validators.refuse(
                field,
                _("invalid"),
                _("%(field)s %(value)r: use lower-case letters, digits and dashes (at most 40).")
                % {"field": field, "value": value},
            )
    data = {
        "code": code,
        "name": validators.text("name", name, max_length=200, required=True),
        "kind": validators.choice("kind", kind, SiteKind.values),
        "region": region,
        "lat_micro": None
        if lat_micro is None
        else validators.integer("lat_micro", lat_micro, minimum=-90_000_000, maximum=90_000_000),
        "lon_micro": None
        if lon_micro is None
        else validators.integer("lon_micro", lon_micro, minimum=-180_000_000, maximum=180_000_000),
        "status": validators.choice("status", status, SiteStatus.values),
    }
    with transaction.atomic():
        if Site.objects.filter(code=code).exists():
            raise validators.refuse(
                "code", _("taken"), _("A site %(code)s exists.") % {"code": code}
            )
        append_record(records.SITE_CREATED.name, data, actor)
    return Site.objects.get(code=code)


def container_create(*, actor: Principal, site: Site, code: str, racks: int = 0) -> Container:
    authorize_at(actor, "arms.site_manage", site)
    code = code.strip().lower()
    if not validators.CODE.match(code):
        raise validators.refuse(
            "code",
            _("invalid"),
            _("Container code %(code)r: use lower-case letters, digits and dashes.")
            % {"code": code},
        )
    if site.kind != SiteKind.STORAGE_DEPOT:
        raise validators.refuse(
            "site", _("not a depot"), _("Containers are set up in storage depots only.")
        )
    data = {
        "code": code,
        "site": site.code,
        "racks": validators.integer("racks", racks, minimum=0, maximum=999),
    }
    with transaction.atomic():
        if Container.objects.filter(code=code).exists():
            raise validators.refuse(
                "code", _("taken"), _("A container %(code)s exists.") % {"code": code}
            )
        append_record(records.CONTAINER_CREATED.name, data, actor)
    return Container.objects.get(code=code)


def seal_apply(*, actor: Principal, container: Container, number: str) -> Seal:
    authorize_at(actor, "arms.custody", container.site)
    number = number.strip()
    if not checks.SEAL.match(number):
        raise validators.refuse(
            "seal", _("invalid"), _("A seal number has 1-40 letters, digits or dashes.")
        )
    with transaction.atomic():
        container = Container.objects.select_for_update().get(code=container.code)
        current = container_seal(container)
        if current is not None:
            raise validators.refuse(
                "container",
                _("already sealed"),
                _("Container %(c)s already carries seal %(seal)s.")
                % {"c": container.code, "seal": current.number},
            )
        if Seal.objects.filter(number=number).exists():
            raise validators.refuse(
                "seal", _("used"), _("Seal %(seal)s was used before.") % {"seal": number}
            )
        append_record(
            records.SEAL_APPLIED.name, {"seal": number, "container": container.code}, actor
        )
    return Seal.objects.get(number=number)


def seal_break(*, actor: Principal, seal: Seal, reason: str) -> Seal:
    authorize_at(actor, "arms.custody", seal.container.site)
    reason = validators.text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        Container.objects.select_for_update().get(code=seal.container_id)
        if Seal.objects.get(number=seal.number).status != SealStatus.APPLIED:
            raise validators.refuse(
                "seal", _("broken"), _("Seal %(seal)s is already broken.") % {"seal": seal.number}
            )
        data = {"seal": seal.number, "container": seal.container_id, "reason": reason}
        append_record(records.SEAL_BROKEN.name, data, actor)
    return Seal.objects.get(number=seal.number)
