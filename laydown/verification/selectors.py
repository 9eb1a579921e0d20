"""Reads of verification: the inventory as of a checkpoint, inspections, offline item bundles."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from laydown import tlog
from laydown.access.permissions import Principal, is_allowed
from laydown.access.roles import OrgKind, Role, Scope
from laydown.accounts.models import Organisation, User
from laydown.arms.models import AmmoLot, CustodyEvent, Item
from laydown.ledger import selectors as ledger
from laydown.ledger.models import Record
from laydown.verification.models import (
    Accreditation,
    DestructionEvent,
    FindingResult,
    FollowUp,
    Inspection,
)

# Where an item or lot stands after a record of each kind (kinds not listed change nothing).
STATUS_AFTER = {
    "arms.item_collected": "in_storage",
    "arms.lot_collected": "in_storage",
    "arms.item_booked": "in_storage",
    "arms.item_removed": "removed",
    "arms.item_returned": "in_storage",
    "arms.shipment_dispatched": "in_transit",
    "arms.shipment_received": "in_storage",
    "arms.item_reported_lost": "lost",
    "arms.disposed": "disposed",
    "arms.lot_destroyed_in_place": "disposed",
}


@dataclass(frozen=True)
class Inventory:
    items: list[str]
    lots: list[str]


def inventory_at(size: int, sites: Iterable[str]) -> Inventory:
    """Items and lots in storage at `sites` once the log's first `size` records applied.

    Built from custody events (each carries its record index), so records after the
    checkpoint, such as items collected later, cannot enter the inventory.
    """
    wanted = set(sites)
    state: dict[tuple[str, str], tuple[str, str | None]] = {}
    events = (
        CustodyEvent.objects.filter(record_index__lt=size)
        .exclude(item=None, lot=None)
        .order_by("record_index", "id")
        .values_list("kind", "item_id", "lot_id", "site_id")
    )
    for kind, item, lot, site in events.iterator(chunk_size=5000):
        key = ("item", item) if item else ("lot", lot)
        status, where = state.get(key, ("", None))
        state[key] = (STATUS_AFTER.get(kind, status), site or where)
    present = {
        key for key, (status, where) in state.items() if status == "in_storage" and where in wanted
    }
    return Inventory(
        items=sorted(tag for kind, tag in present if kind == "item"),
        lots=sorted(tag for kind, tag in present if kind == "lot"),
    )


def accreditations_of(observer: str) -> list[Accreditation]:
    return list(Accreditation.objects.filter(observer=observer).order_by("-valid_until"))


def accreditation_vkey(observer: str, sites: Iterable[str], today: dt.date) -> str:
    """The verifier key of the observer's accreditation valid `today` for all of `sites` ("" if
    none): what a signature in the browser must match before it is sent."""
    wanted = set(sites)
    for accreditation in Accreditation.objects.filter(
        observer=observer, revoked_at=None, valid_from__lte=today, valid_until__gte=today
    ):
        if not accreditation.sites or wanted <= set(accreditation.sites):
            return accreditation.vkey
    return ""


def accredited_observers(today: dt.date) -> list[tuple[str, str]]:
    """(pseudonym, label) of observers holding an accreditation not revoked and not yet expired
    on `today`: who may be put on an inspection team. The label names the user and the
    organisation, so that a manager picks people, not pseudonyms."""
    rows = Accreditation.objects.filter(revoked_at=None, valid_until__gte=today).order_by(
        "organisation", "observer"
    )
    pseudonyms = sorted({a.observer for a in rows})
    users = {
        u.pseudonym: u
        for u in User.objects.filter(pseudonym__in=pseudonyms).select_related("organisation")
    }
    out: dict[str, str] = {}
    for accreditation in rows:
        user = users.get(accreditation.observer)
        if user is None or accreditation.observer in out:
            continue
        organisation = user.organisation.name if user.organisation else accreditation.organisation
        out[accreditation.observer] = f"{user.get_full_name() or user.username} — {organisation}"
    return sorted(out.items(), key=lambda pair: pair[1])


@dataclass(frozen=True)
class Expected:
    """What the registry holds about a sampled item or a lot to count: what the observer checks."""

    tag: str
    is_lot: bool
    what: str  # category, or the lot's type
    make: str
    model: str
    serial: str
    calibre: str
    container: str
    rack: int | None
    quantity: int | None
    unit: str


def expected_rows(inspection: Inspection) -> list[Expected]:
    """The sample, then the lots, each with the registry's current fields, in walking order
    (container, rack, tag) so that a walk through the depot follows the form."""
    items = Item.objects.filter(tag__in=inspection.sample)
    lots = AmmoLot.objects.filter(tag__in=inspection.lots)
    rows = [
        Expected(
            tag=i.tag,
            is_lot=False,
            what=i.get_category_display(),
            make=i.make,
            model=i.model,
            serial=i.serial,
            calibre=i.calibre,
            container=i.container_id or "",
            rack=i.rack,
            quantity=None,
            unit="",
        )
        for i in items
    ]
    rows.sort(key=lambda r: (r.container, r.rack or 0, r.tag))
    lot_rows = [
        Expected(
            tag=lot.tag,
            is_lot=True,
            what=lot.get_type_display(),
            make="",
            model=lot.lot_number,
            serial="",
            calibre=lot.calibre,
            container=lot.container_id or "",
            rack=None,
            quantity=lot.quantity,
            unit=lot.get_unit_display(),
        )
        for lot in lots
    ]
    lot_rows.sort(key=lambda r: (r.container, r.tag))
    return rows + lot_rows


def inspections() -> list[Inspection]:
    return list(Inspection.objects.order_by("-planned_for", "code"))


def inspections_query(*, status: str = "") -> QuerySet[Inspection]:
    rows = Inspection.objects.all()
    return rows.filter(status=status) if status else rows


def inspection_codes_at(*, site: str = "", region: str = "") -> list[str] | None:
    """The inspections that covered `site` (or a site of `region`); None: no such filter."""
    if not site and not region:
        return None
    from laydown.arms.models import Site

    wanted = (
        {site} if site else set(Site.objects.filter(region=region).values_list("code", flat=True))
    )
    if site and region:
        wanted &= set(Site.objects.filter(region=region).values_list("code", flat=True))
    rows = Inspection.objects.values_list("code", "sites")
    return [code for code, sites in rows if wanted.intersection(sites)]


def sites_readable(principal: Principal | None) -> set[str] | None:
    """The sites whose verification records `principal` may read (None: every site)."""
    if principal is None:
        return None
    from laydown.access.permissions import ACTIONS, grants_for
    from laydown.access.roles import PROGRAMME
    from laydown.arms.models import Site

    scopes = {scope for _role, scope in grants_for(principal, ACTIONS["verification.read"])}
    if PROGRAMME in scopes:
        return None
    sites = {s.partition(":")[2] for s in scopes if s.startswith("site:")}
    regions = [s.partition(":")[2] for s in scopes if s.startswith("region:")]
    return sites | set(Site.objects.filter(region__in=regions).values_list("code", flat=True))


def follow_ups_query(
    *, principal: Principal | None = None, site: str = "", region: str = "", status: str = ""
) -> QuerySet[FollowUp]:
    """Follow-ups of the inspections that covered `site` or `region`, in `status`; of those
    only the inspections of sites `principal` may read (None: all)."""
    rows = FollowUp.objects.select_related("inspection")
    codes = inspection_codes_at(site=site, region=region)
    if codes is not None:
        rows = rows.filter(inspection_id__in=codes)
    readable = sites_readable(principal)
    if readable is not None:
        inspected = Inspection.objects.values_list("code", "sites")
        rows = rows.filter(inspection_id__in=[c for c, s in inspected if readable.issuperset(s)])
    if status:
        rows = rows.filter(status=status)
    return rows


def inspection_get(code: str) -> Inspection | None:
    return Inspection.objects.filter(code=code).prefetch_related("findings", "follow_ups").first()


def destruction_events() -> list[DestructionEvent]:
    return list(DestructionEvent.objects.order_by("code"))


def _held_in_scope(principal: Principal, tag: str) -> bool:
    """Whether the item or lot `tag` is now at a site `principal`'s bundle grant covers."""
    site = (
        Item.objects.filter(tag=tag).values_list("site_id", "site__region").first()
        or AmmoLot.objects.filter(tag=tag).values_list("site_id", "site__region").first()
    )
    if site is None:
        return False
    scope = Scope(site=site[0], region=site[1])
    return is_allowed(principal, "verification.item_bundle", scope=scope)


def item_bundle(principal: Principal, tag: str) -> dict[str, object] | None:
    """An item's (or lot's) records with tlog-proofs against the served checkpoint.

    Enough to check offline, with `laydown verify BUNDLE.json --key ...`, that each record is
    in the log the witnesses cosigned. None if the tag has no history, or if the item is held
    outside `principal`'s scope (it looks absent, as elsewhere).
    """
    if not _held_in_scope(principal, tag):
        return None
    return tag_bundle(tag)


def tag_bundle(tag: str) -> dict[str, object] | None:
    """The bundle of `tag` (see item_bundle) for a caller who has authorised the read already
    (tracing requests)."""
    indices = sorted(
        set(CustodyEvent.objects.filter(item_id=tag).values_list("record_index", flat=True))
        | set(CustodyEvent.objects.filter(lot_id=tag).values_list("record_index", flat=True))
    )
    if not indices:
        return None
    checkpoint = ledger.checkpoint_public()
    bodies = dict(
        Record.objects.filter(index__in=indices, index__lt=checkpoint.size).values_list(
            "index", "body"
        )
    )
    entries = []
    for index in sorted(bodies):
        proof = tlog.tree_inclusion_proof(index, checkpoint.size, ledger.tile_read)
        entries.append(
            {
                "index": index,
                "record": bytes(bodies[index]).decode(),
                "proof": tlog.format_tlog_proof(index, proof, checkpoint.note),
            }
        )
    pending = [i for i in indices if i >= checkpoint.size]
    return {
        "format": "laydown-item-bundle/v1",
        "tag": tag,
        "checkpoint": checkpoint.note,
        "records": entries,
        "not_yet_witnessed": pending,
    }


def item_bundle_json(principal: Principal, tag: str) -> str | None:
    bundle = item_bundle(principal, tag)
    return None if bundle is None else json.dumps(bundle, ensure_ascii=False, indent=1)


def report_text(inspection: Inspection) -> str:
    """The report observers sign: plain text, every line derived from recorded facts."""
    findings = {f.tag: f for f in inspection.findings.all()}
    cp = tlog.parse_checkpoint(inspection.checkpoint_note.split("\n\n", 1)[0] + "\n")
    lines = [
        "Laydown inspection report",
        f"inspection {inspection.code}",
        f"sites {' '.join(inspection.sites)}",
        f"team {' '.join(inspection.team)}",
        f"checkpoint {cp.origin} {cp.size} {inspection.checkpoint_root}",
        f"nonce {inspection.nonce}",
        f"inventory {inspection.inventory_sha256} {inspection.inventory_size} items",
        f"sample {len(inspection.sample)} items",
    ]
    for tag in inspection.sample:
        f = findings[tag]
        lines.append(f"item {tag} {f.result} {','.join(f.mismatches) or '-'}")
    recorded = dict(AmmoLot.objects.filter(tag__in=inspection.lots).values_list("tag", "quantity"))
    for tag in inspection.lots:
        f = findings[tag]
        lines.append(f"lot {tag} {f.result} counted {f.counted} recorded {recorded.get(tag)}")
    return "\n".join(line.replace("\n", " ") for line in lines) + "\n"


def discrepancies(inspection: Inspection) -> list[dict[str, str]]:
    recorded = dict(AmmoLot.objects.filter(tag__in=inspection.lots).values_list("tag", "quantity"))
    out = []
    for f in inspection.findings.all().order_by("tag"):
        if f.result != FindingResult.FOUND:
            out.append({"tag": f.tag, "summary": f"{f.result}: {','.join(f.mismatches) or '-'}"})
        elif f.tag in recorded and f.counted != recorded[f.tag]:
            out.append(
                {"tag": f.tag, "summary": f"counted {f.counted}, recorded {recorded[f.tag]}"}
            )
    return out


def items_at(site: str) -> list[str]:
    """Tags of items in storage at a site now (for planning)."""
    return list(
        Item.objects.filter(site_id=site, status="in_storage").values_list("tag", flat=True)
    )


@dataclass(frozen=True)
class Delegation:
    """An observer delegation or UN office: its observers and their accreditations."""

    organisation: Organisation
    observers: list[User]
    accreditations: list[Accreditation]


def delegations() -> list[Delegation]:
    orgs = Organisation.objects.filter(
        kind__in=[OrgKind.OBSERVER_DELEGATION, OrgKind.UN_OFFICE]
    ).order_by("name")
    out = []
    for org in orgs:
        members = list(
            User.objects.filter(organisation=org, grants__role=Role.OBSERVER, is_active=True)
            .distinct()
            .order_by("username")
        )
        accreditations = list(
            Accreditation.objects.filter(organisation=org.code).order_by("-valid_until", "code")
        )
        out.append(Delegation(org, members, accreditations))
    return out


def observer_choices() -> list[tuple[str, str]]:
    """Users holding the observer role in a delegation or UN office: (username, label)."""
    users = (
        User.objects.filter(
            grants__role=Role.OBSERVER,
            is_active=True,
            organisation__kind__in=[OrgKind.OBSERVER_DELEGATION, OrgKind.UN_OFFICE],
        )
        .select_related("organisation")
        .distinct()
        .order_by("username")
    )
    return [(u.username, f"{u.username} — {u.organisation.name}") for u in users]  # type: ignore[union-attr]


def observer_by_username(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()
