"""Reads of the disarmament registry: search, site contents, item histories, receipts, counts.

Selectors take an optional `principal`: given one, they return only what its `arms.read`
grants cover (a site grant: that site; a region grant: its sites; a programme grant: all).
Views authorise the action itself; selectors narrow the rows.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from laydown.access.permissions import ACTIONS, Principal, grants_for
from laydown.access.roles import PROGRAMME
from laydown.accounts import token_cache
from laydown.accounts.models import User
from laydown.arms import extensions, search_index
from laydown.arms.models import (
    AmmoLot,
    Container,
    CustodyEvent,
    Incident,
    Item,
    Materiel,
    Seal,
    Shipment,
    ShipmentLine,
    Site,
    StockCheck,
    StockCheckLine,
)
from laydown.arms.normalise import normalise_serial
from laydown.arms.vocab import Category, Condition, ItemStatus, LotStatus, SealStatus
from laydown.core.compiled import Compiled, concrete_attnames
from laydown.core.paging import Page, page_bounds, page_from, paginate

MAX_MOVABLE = 1000  # items or lots offered on one dispatch or disposal page


def site_filter(principal: Principal | None, field: str = "site") -> Q:
    """Q limiting rows to sites the principal may read (everything for None)."""
    readable = sites_and_regions_read(principal)
    if readable is None:
        return Q()
    return _within(*readable, field=field)


def sites_and_regions_read(principal: Principal | None) -> tuple[list[str], list[str]] | None:
    """The codes of the sites and the regions whose rows the principal may read by its
    `arms.read` grants (site grants, region grants); None for everything (a programme grant,
    or no principal)."""
    if principal is None:
        return None
    grants = grants_for(principal, ACTIONS["arms.read"])
    scopes = {scope for _role, scope in grants}
    if PROGRAMME in scopes:
        return None
    sites = [s.partition(":")[2] for s in scopes if s.startswith("site:")]
    regions = [s.partition(":")[2] for s in scopes if s.startswith("region:")]
    return sites, regions


def _within(sites: list[str], regions: list[str], field: str = "site") -> Q:
    """Rows at one of `sites` or at a site of one of `regions` (`field` names the site;
    "code": the Site itself)."""
    region = "region" if field == "code" else f"{field}__region"
    return Q(**{f"{field}__in": sites}) | Q(**{f"{region}__in": regions})


def site_regions(codes: Iterable[str]) -> dict[str, str]:
    """{code: region} of the sites among `codes` (unknown codes left out)."""
    return dict(Site.objects.filter(code__in=list(codes)).values_list("code", "region"))


def _prefix_range(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, as a range both databases answer from a B-tree index.

    The upper bound is the prefix with its last character incremented: past U+10FFFF it
    carries to the character before (none left: no upper bound), and it skips the surrogates,
    which no database can store."""
    stem = prefix.rstrip(chr(sys.maxunicode))
    if not stem:
        return Q(**{f"{field}__gte": prefix})
    after = ord(stem[-1]) + 1
    if 0xD800 <= after <= 0xDFFF:
        after = 0xE000
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": stem[:-1] + chr(after)})


def _serial_contains(rows: QuerySet[Item], wanted: str) -> QuerySet[Item]:
    """Items whose normalised serial contains `wanted`. From 3 characters on, SQLite asks its
    FTS5 trigram table for the rowids (PostgreSQL's trigram index serves LIKE by itself)."""
    rows = rows.filter(serial_normalised__contains=wanted)
    if (
        connection.vendor == "sqlite"
        and len(wanted) >= search_index.MIN_LENGTH
        and search_index.sqlite_has_trigram()
    ):
        rows = rows.extra(  # noqa: S610  (a fixed clause; the phrase is a parameter)
            where=[search_index.ROWID_MATCHES],
            params=[search_index.phrase(wanted)],
        )
    return rows


def item_search(
    *, page: int = 1, per_page: int = 50, columns: tuple[str, ...] = (), **filters: Any
) -> Page:
    """Items matching every given filter (`item_rows`), newest tag first; with `columns`, each
    row is the tuple of those columns rather than an Item."""
    compiled = _compiled_search(columns, **filters) if columns else None
    if compiled is not None:
        query, params = compiled
        page, per_page, start = page_bounds(page, per_page)
        return page_from(query.rows(*params, per_page + 1, start), page, per_page)
    rows = item_rows(**filters).order_by("-tag")
    return paginate(rows.values_list(*columns) if columns else rows, page, per_page)


# The API's list, unfiltered or by the filters below, within the reader's sites and regions: the
# SQL of the same query as item_rows' compiled once per shape (core.compiled), by its columns,
# the number of the reader's sites and regions (None: all) and the filters given. Building the
# query each time was most of the list's CPU (issues 14, 20).
_EQUAL_FILTERS = ("category", "site", "container", "status")  # a column equal to the value
_COMPILED_SEARCH: dict[tuple[Any, ...], Compiled[Item]] = {}


def _compiled_search(
    columns: tuple[str, ...], principal: Principal | None = None, **filters: Any
) -> tuple[Compiled[Item], list[Any]] | None:
    """The compiled list of `item_rows(principal=principal, **filters)` with its parameters,
    or None if it is not one of the shapes compiled (another filter given, or a reader of no
    site at all: the ORM then asks no database)."""
    given = {name: value for name, value in filters.items() if name != "serial_partial" and value}
    if not given.keys() <= set(_EQUAL_FILTERS):
        return None
    readable = sites_and_regions_read(principal)
    if readable is not None and not any(readable):
        return None
    sites, regions = readable or ([], [])
    names = tuple(name for name in _EQUAL_FILTERS if name in given)
    shape = (columns, readable is None, len(sites), len(regions), names)
    query = _COMPILED_SEARCH.get(shape)
    if query is None:
        query = _COMPILED_SEARCH.setdefault(shape, _search_compiled(*shape))
    return query, [*sites, *regions, *(given[name] for name in names)]


def _search_compiled(
    columns: tuple[str, ...], everything: bool, sites: int, regions: int, names: tuple[str, ...]
) -> Compiled[Item]:
    """item_rows' query of this shape, its parameters the sites, the regions and the values of
    the filters `names`, in that order (Compiled checks that the SQL takes them so)."""

    def build(*samples: str) -> QuerySet[Item, Any]:
        at, of_regions = list(samples[:sites]), list(samples[sites : sites + regions])
        values: dict[str, Any] = dict(zip(names, samples[sites + regions :], strict=True))
        within = Q() if everything else _within(at, of_regions)
        return (
            _items_matching(Item.objects.filter(within), **values)
            .order_by("-tag")
            .values_list(*columns)
        )

    samples = [f"site-{i}" for i in range(sites)] + [f"region-{i}" for i in range(regions)]
    return Compiled(build, *samples, *(f"{name}-value" for name in names), paged=True)


def _where(
    rows: QuerySet[Any],
    region: str = "",
    collected_site: str = "",
    collected_region: str = "",
) -> QuerySet[Any]:
    """The filters every register list shares: the region of the site it is at now, and the
    site or region where it was collected."""
    if region:
        rows = rows.filter(site__region=region)
    if collected_site:
        rows = rows.filter(collected_site_id=collected_site)
    if collected_region:
        rows = rows.filter(collected_site__region=collected_region)
    return rows


def item_rows(*, principal: Principal | None = None, **filters: Any) -> QuerySet[Item]:
    """Items matching every given filter (`_items_matching`) at sites `principal` may read,
    unordered."""
    return _items_matching(Item.objects.filter(site_filter(principal)), **filters)


def _items_matching(
    rows: QuerySet[Item],
    *,
    serial: str = "",
    serial_partial: bool = True,
    tag: str = "",
    make: str = "",
    model: str = "",
    category: str = "",
    site: str = "",
    region: str = "",
    collected_site: str = "",
    collected_region: str = "",
    container: str = "",
    status: str = "",
    collected_from: dt.date | None = None,
    collected_to: dt.date | None = None,
) -> QuerySet[Item]:
    """The `rows` matching every given filter, unordered.

    `serial` is normalised like stored serials (look-alikes, case, separators); a partial serial
    matches anywhere in the serial, a full one (`serial_partial=False`) only at the start.
    `tag` matches a whole tag or its beginning; `make` and `model` ignore case.
    """
    wanted = normalise_serial(serial)
    if wanted:
        if serial_partial:
            by_serial = _serial_contains(rows, wanted)
        else:
            by_serial = rows.filter(_prefix_range("serial_normalised", wanted))
        if extensions.serial_matchers:  # other markings (tracing)
            found = Q(tag__in=by_serial.values("tag"))
            for matcher in extensions.serial_matchers:
                found |= matcher(wanted)
            rows = rows.filter(found)
        else:
            rows = by_serial
    if tag.strip():
        rows = rows.filter(_prefix_range("tag", tag.strip().upper()))
    for field, value in (("make", make.strip()), ("model", model.strip())):
        if value:
            same = Q()
            for name in extensions.same_values(field, value):
                same |= Q(**{f"{field}__iexact": name})
            rows = rows.filter(same)
    for field, value in (
        ("category", category),
        ("site_id", site),
        ("container_id", container),
        ("status", status),
    ):
        if value:
            rows = rows.filter(**{field: value})
    rows = _where(rows, region, collected_site, collected_region)
    return rows.filter(collected_between(collected_from, collected_to))


def collected_between(first: dt.date | None, last: dt.date | None) -> Q:
    """Collected on the days `first` to `last`, both included, as UTC days.

    The one meaning of `collected_from` and `collected_to` in the pages, the API and the links
    of the reports: `?collected_from=2026-11-01&collected_to=2026-11-05` is five whole days.
    """
    q = Q()
    if first is not None:
        q &= Q(collected_at__gte=dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC))
    if last is not None:
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        q &= Q(collected_at__lt=end)
    return q


def lot_rows(
    *,
    principal: Principal | None = None,
    site: str = "",
    region: str = "",
    collected_site: str = "",
    collected_region: str = "",
    type: str = "",
    calibre: str = "",
    unit: str = "",
    status: str = "",
    collected_from: dt.date | None = None,
    collected_to: dt.date | None = None,
) -> QuerySet[AmmoLot]:
    """Ammunition lots matching every given filter, unordered."""
    rows = AmmoLot.objects.filter(site_filter(principal))
    for field, value in (
        ("site_id", site),
        ("type", type),
        ("calibre", calibre),
        ("unit", unit),
        ("status", status),
    ):
        if value:
            rows = rows.filter(**{field: value})
    rows = _where(rows, region, collected_site, collected_region)
    return rows.filter(collected_between(collected_from, collected_to))


def materiel_rows(
    *,
    principal: Principal | None = None,
    site: str = "",
    region: str = "",
    type: str = "",
    collected_from: dt.date | None = None,
    collected_to: dt.date | None = None,
) -> QuerySet[Materiel]:
    """Materiel matching every given filter, unordered."""
    rows = Materiel.objects.filter(site_filter(principal))
    for field, value in (("site_id", site), ("type", type)):
        if value:
            rows = rows.filter(**{field: value})
    rows = _where(rows, region)
    return rows.filter(collected_between(collected_from, collected_to))


def item_get(tag: str, *, principal: Principal | None = None) -> Item | None:
    return (
        Item.objects.filter(site_filter(principal), tag=tag)
        .select_related("site", "container", "collected_site", "disposal")
        .first()
    )


def item_history(tag: str) -> list[CustodyEvent]:
    """The item's custody events in log order; `record_index` locates each in the ledger, for
    its inclusion proof."""
    return list(
        CustodyEvent.objects.filter(item_id=tag)
        .select_related("site", "container")
        .order_by("record_index", "id")
    )


def lot_history(tag: str) -> list[CustodyEvent]:
    return list(CustodyEvent.objects.filter(lot_id=tag).order_by("record_index", "id"))


@dataclass(frozen=True)
class ContainerContents:
    container: Container
    seal: Seal | None
    items: list[Item]  # the first `limit`, by tag
    lots: list[AmmoLot]
    item_count: int = 0
    lot_count: int = 0

    @property
    def truncated(self) -> bool:
        return self.item_count > len(self.items) or self.lot_count > len(self.lots)


@dataclass(frozen=True)
class SiteContents:
    site: Site
    containers: list[ContainerContents]
    loose: ContainerContents  # at the site, not booked into a container (container: None)
    materiel: list[Materiel]

    @property
    def loose_items(self) -> list[Item]:
        return self.loose.items

    @property
    def loose_lots(self) -> list[AmmoLot]:
        return self.loose.lots


CONTENTS_LIMIT = 200  # rows listed per container; counts are always whole


def site_contents(
    code: str, *, principal: Principal | None = None, limit: int | None = None
) -> SiteContents | None:
    """What a site holds now, container by container: counts, and the first `limit` rows of
    each (a depot may hold 10^5 weapons; the item list pages through all of them)."""
    site = Site.objects.filter(site_filter(principal, "code"), code=code).first()
    if site is None:
        return None
    limit = limit or CONTENTS_LIMIT
    items = Item.objects.filter(site=site, status=ItemStatus.IN_STORAGE)
    lots = AmmoLot.objects.filter(site=site, status=LotStatus.IN_STORAGE)
    item_counts = dict(items.values_list("container").annotate(n=Count("pk")).order_by())
    lot_counts = dict(lots.values_list("container").annotate(n=Count("pk")).order_by())
    seals = {s.container_id: s for s in Seal.objects.filter(container__site=site, status="applied")}

    def box(container: Container | None) -> ContainerContents:
        key = container.code if container else None
        return ContainerContents(
            container=container,  # type: ignore[arg-type]
            seal=seals.get(key) if key else None,
            items=list(items.filter(container=container).order_by("tag")[:limit])
            if item_counts.get(key)
            else [],
            lots=list(lots.filter(container=container).order_by("tag")[:limit])
            if lot_counts.get(key)
            else [],
            item_count=item_counts.get(key, 0),
            lot_count=lot_counts.get(key, 0),
        )

    return SiteContents(
        site=site,
        containers=[box(c) for c in Container.objects.filter(site=site).order_by("code")],
        loose=box(None),
        materiel=list(Materiel.objects.filter(site=site)[:limit]),
    )


def container_seal(container: Container | None) -> Seal | None:
    """The seal applied on `container` now, if any (None for no container)."""
    if container is None:
        return None
    return Seal.objects.filter(container=container, status=SealStatus.APPLIED).first()


def sites_list(*, principal: Principal | None = None, kind: str = "") -> list[Site]:
    return list(sites_query(principal=principal, kind=kind).order_by("code"))


def sites_query(
    *, principal: Principal | None = None, kind: str = "", region: str = "", status: str = ""
) -> QuerySet[Site]:
    """The sites the principal may see, of `kind`, in `region`, in `status`, unordered."""
    rows = Site.objects.filter(site_filter(principal, "code"))
    for field, value in (("kind", kind), ("region", region), ("status", status)):
        if value:
            rows = rows.filter(**{field: value})
    return rows


def region_choices(*, principal: Principal | None = None) -> list[tuple[str, str]]:
    """(code, name) of each region with a site the principal may see, named as the programme's
    profile names it (else by its code)."""
    from laydown.accounts.models import ProgrammeProfile

    profile = ProgrammeProfile.objects.filter(pk=1).first()
    names = {r["code"]: r.get("name") or r["code"] for r in (profile.regions if profile else [])}
    rows = Site.objects.filter(site_filter(principal, "code")).order_by("region")
    codes = rows.values_list("region", flat=True).distinct()
    return [(code, names.get(code, code)) for code in codes]


@dataclass(frozen=True)
class Receipt:
    """What the hand-in receipt shows. Deliberately no armed group (docs/architecture.md,
    "Personal data"): the person keeps the receipt, and it must not expose them."""

    tag: str
    category: str  # translated label
    category_code: str
    make: str
    model: str
    calibre: str
    serial: str
    condition: str  # translated label
    condition_code: str
    collected_at: dt.datetime
    site_code: str
    site_name: str
    collected_by: str
    clerk_name: str  # the registering user's name (or username): staff, not a participant
    handed_in_by: str  # the person's pseudonym, never their name


def item_receipt(tag: str, *, principal: Principal | None = None) -> Receipt | None:
    item = item_get(tag, principal=principal)
    if item is None:
        return None
    return Receipt(
        tag=item.tag,
        category=str(Category(item.category).label),
        category_code=item.category,
        make=item.make,
        model=item.model,
        calibre=item.calibre,
        serial=item.serial,
        condition=str(Condition(item.condition).label),
        condition_code=item.condition,
        collected_at=item.collected_at,
        site_code=item.collected_site.code,
        site_name=item.collected_site.name,
        collected_by=item.collected_by,
        clerk_name=_staff_name(item.collected_by),
        handed_in_by=item.handed_in_by,
    )


def item_receipt_link(tag: str, log_url: str) -> str | None:
    """The text of the receipt's second QR code: the link that proves, in anyone's browser,
    that the item's collection record is in the log (ledger.selectors.receipt_text)."""
    from laydown.ledger import selectors as ledger

    index = (
        CustodyEvent.objects.filter(item_id=tag, kind="arms.item_collected")
        .order_by("record_index")
        .values_list("record_index", flat=True)
        .first()
    )
    return None if index is None else ledger.receipt_text(index, log_url)


def _staff_name(pseudonym: str) -> str:
    user = User.objects.filter(pseudonym=pseudonym).first()
    if user is None:
        return ""
    return user.get_full_name() or user.username


def counts(*, principal: Principal | None = None) -> dict[str, Any]:
    """Figures for dashboards: items by status, category and site; lots by status and unit."""
    items = Item.objects.filter(site_filter(principal))
    lots = AmmoLot.objects.filter(site_filter(principal))

    def by(rows: QuerySet[Any], field: str) -> dict[str, int]:
        return {
            row[field]: row["n"]
            for row in rows.values(field).annotate(n=Count("pk")).order_by(field)
        }

    return {
        "items_total": items.count(),
        "items_by_status": by(items, "status"),
        "items_by_category": by(items, "category"),
        "items_by_site": by(items.filter(status=ItemStatus.IN_STORAGE), "site_id"),
        "lots_total": lots.count(),
        "lots_by_status": by(lots, "status"),
        "lot_quantity_by_unit": {
            row["unit"]: row["q"]
            for row in lots.filter(status=LotStatus.IN_STORAGE)
            .values("unit")
            .annotate(q=Sum("quantity"))
            .order_by("unit")
        },
        "materiel_total": Materiel.objects.filter(site_filter(principal)).count(),
    }


# ---- single rows and lists for the pages and the API ----------------------------------------


_SITE_BY_CODE: Compiled[Site] = Compiled(
    lambda code: Site.objects.filter(code=code).values_list(*concrete_attnames(Site)), "cp"
)


def site_get(code: str, *, principal: Principal | None = None) -> Site | None:
    if principal is None:  # every registration asks: the SQL compiled once (core.compiled)
        return next(iter(_SITE_BY_CODE.instances(Site, code)), None)
    return Site.objects.filter(site_filter(principal, "code"), code=code).first()


def site_kept(code: str) -> Site | None:
    """`site_get(code)` as this process read it less than LAYDOWN_TOKEN_CACHE_SECONDS ago, with
    no site record applied since (accounts.token_cache.kept: every applied site record counts as
    a change of access, in every process of the machine), for the registrations: each asks for
    its site, a seventh of its request thread's CPU (issue 20). The instance is shared by the
    process's threads: read it, never change it.

    What may be stale is safe: the committer reads the site's status again under the log head
    lock (a site closed or deleted meanwhile takes no registration), and who may act there is
    the caller's principal, kept and dropped by the token cache, checked against the site's code
    and region, which change only by a site record (kept no longer, on this machine)."""
    return token_cache.kept(("arms.site", code), lambda: site_get(code))


_ITEM_BY_TAG: Compiled[Item] = Compiled(
    lambda tag: Item.objects.filter(tag=tag).values_list(*concrete_attnames(Item)), "LD-000001"
)


def item_by_tag(tag: str) -> Item:
    """The item `tag`, whoever asks (a service's answer after its write); raises
    Item.DoesNotExist as `Item.objects.get` would."""
    for item in _ITEM_BY_TAG.instances(Item, tag):
        return item
    raise Item.DoesNotExist(f"No item {tag}.")


def container_get(code: str, *, principal: Principal | None = None) -> Container | None:
    return (
        Container.objects.filter(site_filter(principal), code=code).select_related("site").first()
    )


def lot_get(tag: str, *, principal: Principal | None = None) -> AmmoLot | None:
    return (
        AmmoLot.objects.filter(site_filter(principal), tag=tag)
        .select_related("site", "container", "collected_site")
        .first()
    )


def materiel_get(tag: str, *, principal: Principal | None = None) -> Materiel | None:
    return Materiel.objects.filter(site_filter(principal), tag=tag).select_related("site").first()


def materiel_history(tag: str) -> list[CustodyEvent]:
    return list(CustodyEvent.objects.filter(materiel_id=tag).order_by("record_index", "id"))


def movable_at(site: Site) -> tuple[list[Item], list[AmmoLot]]:
    """Items and lots in storage at `site` outside sealed containers: what may leave it now."""
    sealed = Seal.objects.filter(container__site=site, status=SealStatus.APPLIED).values(
        "container_id"
    )
    items = Item.objects.filter(site=site, status=ItemStatus.IN_STORAGE).exclude(
        container_id__in=sealed
    )
    lots = AmmoLot.objects.filter(site=site, status=LotStatus.IN_STORAGE).exclude(
        container_id__in=sealed
    )
    return list(items.order_by("tag")[:MAX_MOVABLE]), list(lots.order_by("tag")[:MAX_MOVABLE])


def _either_site(principal: Principal | None, first: str, second: str) -> Q:
    """Rows whose `first` or `second` site the principal may read. (Q() | Q(x) is Q(x), so an
    unrestricted principal is handled apart.)"""
    one = site_filter(principal, first)
    return one | site_filter(principal, second) if one else Q()


def shipment_get(code: str, *, principal: Principal | None = None) -> Shipment | None:
    return (
        Shipment.objects.filter(_either_site(principal, "from_site", "to_site"), code=code)
        .select_related("from_site", "to_site")
        .first()
    )


def shipment_lines(shipment: Shipment) -> list[ShipmentLine]:
    return list(
        ShipmentLine.objects.filter(shipment=shipment)
        .select_related("item", "lot")
        .order_by("crate", "id")
    )


def shipments_list(*, principal: Principal | None = None, site: str = "") -> list[Shipment]:
    """The latest 100 shipments leaving or reaching `site` (or any site the principal reads)."""
    rows = Shipment.objects.filter(_either_site(principal, "from_site", "to_site"))
    if site:
        rows = rows.filter(Q(from_site_id=site) | Q(to_site_id=site))
    return list(rows.select_related("from_site", "to_site").order_by("-dispatched_at")[:100])


def shipments_query(
    *,
    principal: Principal | None = None,
    site: str = "",
    status: str = "",
    region: str = "",
    discrepancies: bool = False,
) -> QuerySet[Shipment]:
    """Every shipment the principal may see, leaving or reaching `site` (or a site of
    `region`), in `status`; with `discrepancies`, only those received with a discrepancy."""
    rows = Shipment.objects.filter(_either_site(principal, "from_site", "to_site"))
    if site:
        rows = rows.filter(Q(from_site_id=site) | Q(to_site_id=site))
    if region:
        rows = rows.filter(Q(from_site__region=region) | Q(to_site__region=region))
    if discrepancies:
        rows = rows.exclude(discrepancies=[])
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("from_site", "to_site")


def stock_check_get(code: str, *, principal: Principal | None = None) -> StockCheck | None:
    return (
        StockCheck.objects.filter(site_filter(principal), code=code).select_related("site").first()
    )


def stock_check_lines(check: StockCheck) -> list[StockCheckLine]:
    return list(
        StockCheckLine.objects.filter(stock_check=check)
        .select_related("item", "container")
        .order_by("container", "item")
    )


def stock_checks_list(*, site: Site) -> list[StockCheck]:
    return list(StockCheck.objects.filter(site=site).order_by("-planned_at")[:50])


# ---- suspected duplicate items ------------------------------------------------------------


def same_weapon_key(make: str, model: str) -> tuple[str, str]:
    """Make and model as compared by the duplicate check: case and spacing do not count."""
    return normalise_serial(make), normalise_serial(model)


_SAME_SERIAL: Compiled[Item] = Compiled(
    lambda serial: (
        Item.objects.filter(serial_normalised=serial).order_by().values_list("tag", "make", "model")
    ),
    "AK1",
)


def duplicates_of(*, serial: str, make: str, model: str) -> list[str]:
    """Tags of earlier items with the same normalised serial, make and model."""
    normalised = normalise_serial(serial)
    if not normalised:
        return []  # no serial (obliterated, not stamped): nothing to compare
    key = same_weapon_key(make, model)
    rows = _SAME_SERIAL.rows(normalised)
    return sorted(tag for tag, mk, md in rows if same_weapon_key(mk, md) == key)


def weapon_key(serial: str, make: str, model: str) -> tuple[str, str, str]:
    """What the duplicate check compares: the normalised serial, make and model."""
    return (normalise_serial(serial), *same_weapon_key(make, model))


def registered_keys(serials: Iterable[str]) -> dict[tuple[str, str, str], list[str]]:
    """The tags of the items with each of `serials` (normalised), by `weapon_key`, each list
    in tag order.

    On PostgreSQL one `=` per serial, all in one round trip (`Compiled.rows_each`), never one
    query of the whole list: for `IN (...)`, `= ANY(array)` or a join to VALUES of a few
    hundred serials the planner takes the trigram index (arms_item_serial_trgm, GIN, there for
    partial search), which reads every item sharing their trigrams (10^5 items, analysed: 4.5 s
    for 500 serials, 28 s for 2,000). Alone, `=` costs the GIN index 200 times the B-tree
    (analysed; 2.5 times not analysed), whatever the batch. SQLite: one `IN` per 500."""
    found: dict[tuple[str, str, str], list[str]] = {}
    wanted = sorted(set(serials))
    if len(wanted) == 1 or connection.vendor == "postgresql":
        each = _SAME_SERIAL.rows_each([(s,) for s in wanted])
        for serial, same in zip(wanted, each, strict=True):
            for tag, make, model in sorted(same):
                found.setdefault((serial, *same_weapon_key(make, model)), []).append(tag)
        return found
    for start in range(0, len(wanted), 500):
        rows = Item.objects.filter(serial_normalised__in=wanted[start : start + 500])
        for tag, serial, make, model in rows.values_list(
            "tag", "serial_normalised", "make", "model"
        ):
            found.setdefault((serial, *same_weapon_key(make, model)), []).append(tag)
    return found


_SITE_STATUS: Compiled[Site] = Compiled(
    lambda code: Site.objects.filter(code=code).order_by().values_list("code", "status"), "cp-1"
)


def site_statuses(codes: Iterable[str]) -> dict[str, str]:
    """The status of each of the sites `codes` (an unknown code: absent), in one query (one
    site: a query compiled once)."""
    wanted = sorted(set(codes))
    if len(wanted) == 1:
        return dict(_SITE_STATUS.rows(wanted[0]))
    return dict(Site.objects.filter(code__in=wanted).order_by().values_list("code", "status"))


def stock_checks_query(
    *,
    principal: Principal | None = None,
    site: str = "",
    region: str = "",
    status: str = "",
    discrepancies: bool = False,
) -> QuerySet[StockCheck]:
    """Stock checks at the sites the principal may see, filtered; with `discrepancies`, only
    those whose count found one."""
    rows = StockCheck.objects.filter(site_filter(principal))
    if site:
        rows = rows.filter(site_id=site)
    if region:
        rows = rows.filter(site__region=region)
    if status:
        rows = rows.filter(status=status)
    if discrepancies:
        rows = rows.exclude(discrepancies=[])
    return rows.select_related("site")


def incidents_query(
    *,
    principal: Principal | None = None,
    site: str = "",
    region: str = "",
    kind: str = "",
    open_only: bool = False,
) -> QuerySet[Incident]:
    """Incidents (lost or stolen) at the sites the principal may see, filtered."""
    rows = Incident.objects.filter(site_filter(principal))
    if site:
        rows = rows.filter(site_id=site)
    if region:
        rows = rows.filter(site__region=region)
    if kind:
        rows = rows.filter(kind=kind)
    if open_only:
        rows = rows.filter(is_open=True)
    return rows.select_related("site")
