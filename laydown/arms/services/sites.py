"""Writes of sites, containers and seals.

A site or container that has held anything stays in the registry for good: its history is
evidence. It can be closed (and opened again), never deleted; only one made by mistake, that
never held anything, can be deleted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.access.roles import Scope
from laydown.accounts.programme import programme_profile
from laydown.accounts.services import SYSTEM
from laydown.arms import checks, records
from laydown.arms.models import (
    AmmoLot,
    Container,
    CustodyEvent,
    Disposal,
    Incident,
    Item,
    Materiel,
    Seal,
    Shipment,
    Site,
    StockCheck,
)
from laydown.arms.selectors import container_seal
from laydown.arms.services.common import append_record, authorize_at
from laydown.arms.vocab import ContainerStatus, SealStatus, SiteKind, SiteStatus
from laydown.core import validators

MICRO = 1_000_000


def _code(field: str, value: str) -> str:
    value = (value or "").strip().lower()
    if not validators.CODE.match(value):
        raise validators.refuse(
            field,
            _("invalid"),
            _("%(value)r: use lower-case letters, digits and dashes (at most 40).")
            % {"value": value},
        )
    return value


def _place(value: str | None) -> str:
    pcode = (value or "").strip().upper()
    if pcode and not validators.PCODE.match(pcode):
        raise validators.refuse(
            "place",
            _("not a P-code"),
            _("P-code %(p)r: two letters (the country) then letters and digits, as AZ0101.")
            % {"p": pcode},
        )
    return pcode


def _region(value: str) -> str:
    """A region's code; one of the programme's regions once its profile names any."""
    code = _code("region", value)
    profile = programme_profile()
    known = [r["code"] for r in profile.regions] if profile else []
    if known and code not in known:
        raise validators.refuse(
            "region",
            _("unknown region"),
            _("Region %(code)r is not one of the programme's: %(known)s.")
            % {"code": code, "known": ", ".join(known)},
        )
    return code


def _micro(field: str, value: int | None, limit: int) -> int | None:
    if value is None:
        return None
    return validators.integer(field, value, minimum=-limit * MICRO, maximum=limit * MICRO)


def site_fields_check(
    *,
    name: str,
    kind: str,
    region: str,
    place: str | None = "",
    lat_micro: int | None = None,
    lon_micro: int | None = None,
) -> dict[str, Any]:
    """The checked fields of a site (create and update), as its records hold them."""
    if (lat_micro is None) != (lon_micro is None):
        missing = "lon_micro" if lon_micro is None else "lat_micro"
        raise validators.refuse(
            missing, _("missing"), _("Give both latitude and longitude, or neither.")
        )
    return {
        "name": validators.text("name", name, max_length=200, required=True),
        "kind": validators.choice("kind", kind, SiteKind.values),
        "region": _region(region),
        "place": _place(place),
        "lat_micro": _micro("lat_micro", lat_micro, 90),
        "lon_micro": _micro("lon_micro", lon_micro, 180),
    }


def site_create(
    *,
    actor: Principal,
    code: str,
    name: str,
    kind: str,
    region: str,
    place: str | None = "",
    lat_micro: int | None = None,
    lon_micro: int | None = None,
    status: str = SiteStatus.OPEN,
) -> Site:
    """Create a site; coordinates are micro-degrees (integers: 40.123456° -> 40123456)."""
    if actor is not SYSTEM:
        authorize(actor, "arms.site_manage", scope=Scope(region=(region or "").strip().lower()))
    code = _code("code", code)
    fields = site_fields_check(
        name=name, kind=kind, region=region, place=place, lat_micro=lat_micro, lon_micro=lon_micro
    )
    data = {
        "code": code,
        **fields,
        "status": validators.choice("status", status, SiteStatus.values),
    }
    with transaction.atomic():
        if Site.objects.filter(code=code).exists():
            raise validators.refuse(
                "code", _("taken"), _("A site %(code)s exists.") % {"code": code}
            )
        append_record(records.SITE_CREATED.name, data, actor)
    return Site.objects.get(code=code)


def _locked_site(site: Site) -> Site:
    return Site.objects.select_for_update().get(code=site.code)


def site_update(
    *,
    actor: Principal,
    site: Site,
    name: str,
    kind: str,
    region: str,
    place: str | None = "",
    lat_micro: int | None = None,
    lon_micro: int | None = None,
) -> Site:
    """Change a site's name, kind, region, place or position. A depot with containers stays a
    depot; moving a site to another region needs site management in both."""
    authorize_at(actor, "arms.site_manage", site)
    fields = site_fields_check(
        name=name, kind=kind, region=region, place=place, lat_micro=lat_micro, lon_micro=lon_micro
    )
    if actor is not SYSTEM:
        authorize(actor, "arms.site_manage", scope=Scope(site=site.code, region=fields["region"]))
    with transaction.atomic():
        site = _locked_site(site)
        if fields["kind"] != SiteKind.STORAGE_DEPOT and site.containers.exists():
            raise validators.refuse(
                "kind",
                _("has containers"),
                _("%(site)s has containers: it stays a storage depot.") % {"site": site.code},
            )
        append_record(records.SITE_UPDATED.name, {"code": site.code, **fields}, actor)
    return Site.objects.get(code=site.code)


def site_status_set(*, actor: Principal, site: Site, status: str, reason: str = "") -> Site:
    """Open a site, close it (nothing more is registered, shipped to or booked there), or put it
    back to planned. A closed site keeps everything it holds and its history."""
    authorize_at(actor, "arms.site_manage", site)
    status = validators.choice("status", status, SiteStatus.values)
    reason = validators.text("reason", reason, max_length=500)
    with transaction.atomic():
        site = _locked_site(site)
        if site.status == status:
            raise validators.refuse(
                "status",
                _("unchanged"),
                _("%(site)s is %(status)s already.")
                % {"site": site.code, "status": site.get_status_display()},
            )
        data = {"code": site.code, "status": status, "reason": reason}
        append_record(records.SITE_STATUS_SET.name, data, actor)
    return Site.objects.get(code=site.code)


def site_has_history(site: Site) -> bool:
    """Whether anything was ever registered, held, shipped, counted or disposed of at `site`."""
    code = site.code
    return (
        Container.objects.filter(site_id=code).exists()
        or Item.objects.filter(site_id=code).exists()
        or Item.objects.filter(collected_site_id=code).exists()
        or AmmoLot.objects.filter(site_id=code).exists()
        or AmmoLot.objects.filter(collected_site_id=code).exists()
        or Materiel.objects.filter(site_id=code).exists()
        or Shipment.objects.filter(from_site_id=code).exists()
        or Shipment.objects.filter(to_site_id=code).exists()
        or StockCheck.objects.filter(site_id=code).exists()
        or Disposal.objects.filter(site_id=code).exists()
        or Incident.objects.filter(site_id=code).exists()
        or CustodyEvent.objects.filter(site_id=code).exists()
    )


def site_delete(*, actor: Principal, site: Site, reason: str) -> None:
    """Delete a site made by mistake. Refused once it has containers or has held anything:
    close it instead."""
    authorize_at(actor, "arms.site_manage", site)
    reason = validators.text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        site = _locked_site(site)
        if site_has_history(site):
            raise validators.refuse(
                "site",
                _("has items"),
                _("%(site)s has containers or has held items: its history stays. Close it instead.")
                % {"site": site.code},
            )
        append_record(records.SITE_DELETED.name, {"code": site.code, "reason": reason}, actor)


def container_create(*, actor: Principal, site: Site, code: str, racks: int = 0) -> Container:
    authorize_at(actor, "arms.site_manage", site)
    code = _code("code", code)
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


def _locked_container(container: Container) -> Container:
    return Container.objects.select_for_update().select_related("site").get(code=container.code)


def container_update(*, actor: Principal, container: Container, racks: int) -> Container:
    """Change the number of racks; refused below a rack that an item is booked on."""
    authorize_at(actor, "arms.site_manage", container.site)
    racks = validators.integer("racks", racks, minimum=0, maximum=999)
    with transaction.atomic():
        container = _locked_container(container)
        highest = Item.objects.filter(container=container).aggregate(m=Max("rack"))["m"] or 0
        if highest > racks:
            raise validators.refuse(
                "racks",
                _("in use"),
                _("An item is booked on rack %(n)d: keep at least %(n)d racks.") % {"n": highest},
            )
        append_record(
            records.CONTAINER_UPDATED.name, {"code": container.code, "racks": racks}, actor
        )
    return Container.objects.get(code=container.code)


def container_status_set(
    *, actor: Principal, container: Container, status: str, reason: str = ""
) -> Container:
    """Close a container (nothing may be booked or returned into it) or open it again. An
    empty one only: move what it holds out first."""
    authorize_at(actor, "arms.site_manage", container.site)
    status = validators.choice("status", status, ContainerStatus.values)
    reason = validators.text("reason", reason, max_length=500)
    with transaction.atomic():
        container = _locked_container(container)
        if container.status == status:
            raise validators.refuse(
                "status",
                _("unchanged"),
                _("Container %(c)s is %(status)s already.")
                % {"c": container.code, "status": container.get_status_display()},
            )
        if status == ContainerStatus.CLOSED and _holds_anything(container):
            raise validators.refuse(
                "container",
                _("not empty"),
                _("Container %(c)s holds items or lots: move them out before closing it.")
                % {"c": container.code},
            )
        data = {"code": container.code, "status": status, "reason": reason}
        append_record(records.CONTAINER_STATUS_SET.name, data, actor)
    return Container.objects.get(code=container.code)


def _holds_anything(container: Container) -> bool:
    return (
        Item.objects.filter(container=container).exists()
        or AmmoLot.objects.filter(container=container).exists()
    )


def container_has_history(container: Container) -> bool:
    return (
        _holds_anything(container)
        or Seal.objects.filter(container=container).exists()
        or CustodyEvent.objects.filter(container=container).exists()
    )


def container_delete(*, actor: Principal, container: Container, reason: str) -> None:
    """Delete a container made by mistake; refused once it has held anything or carried a
    seal: close it instead."""
    authorize_at(actor, "arms.site_manage", container.site)
    reason = validators.text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        container = _locked_container(container)
        if container_has_history(container):
            raise validators.refuse(
                "container",
                _("has items"),
                _("Container %(c)s has held items or carried a seal: close it instead.")
                % {"c": container.code},
            )
        data = {"code": container.code, "reason": reason}
        append_record(records.CONTAINER_DELETED.name, data, actor)


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
