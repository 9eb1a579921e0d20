"""The registry in the API: register, read, search, custody actions, shipments, sites.

Every operation wears `@api_action(...)` under its route, parses, calls the same service or
selector as the pages, and returns a schema. Rows outside the caller's sites answer 404, like
missing ones; acting at a site the caller's grants do not cover answers 403; a suspected
duplicate answers 422 with code `duplicate` and the earlier tags in `fields.duplicate_of`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.renderers import JSONRenderer

from laydown.access.permissions import Principal
from laydown.accounts.api_auth import api_action, principal
from laydown.arms import import_job, importer, photos, register_import, selectors, services
from laydown.arms.models import AmmoLot, Container, CustodyEvent, Item, Materiel, Shipment, Site
from laydown.core.api_types import Input, IsoDate
from laydown.core.paging import PageNumber, PerPage
from laydown.field.api import idempotent
from laydown.jobs.api import IMPORT_RESPONSES, file_import

router = Router(tags=["arms"])


# ---- schemas -------------------------------------------------------------------------------


class SiteOut(Schema):
    code: str
    name: str
    kind: str
    region: str
    place: str = Field("", description="the P-code of its place, if known")
    status: str
    lat_micro: int | None = Field(description="latitude in micro-degrees (x 10^6)")
    lon_micro: int | None = Field(description="longitude in micro-degrees (x 10^6)")


class ContainerOut(Schema):
    code: str
    racks: int
    status: str = "open"
    seal: str | None = Field(description="number of the intact seal, if sealed")
    items: list[str] = Field(description="the first 200 tags; item_count says how many in all")
    lots: list[str]
    item_count: int
    lot_count: int


class SiteContentsOut(SiteOut):
    containers: list[ContainerOut]
    loose_items: list[str] = Field(description="items at the site, not in a container (first 200)")
    loose_lots: list[str]
    loose_item_count: int
    loose_lot_count: int
    materiel: list[str]


class EventOut(Schema):
    record_index: int = Field(description="the record's index in the ledger: GET /log/proof/{i}")
    kind: str
    at: dt.datetime
    actor: str
    site: str | None = Field(None, alias="site_id")
    container: str | None = Field(None, alias="container_id")
    details: dict[str, Any]


class ItemIn(Input):
    site: str = Field(description="code of the collection point")
    category: str = Field(description="a category code (docs/import.md, vocabulary)")
    make: str
    model: str
    calibre: str = ""
    serial: str = Field("", description="as printed, any script; empty if none")
    markings: str = ""
    country: str = Field("", description="ISO 3166 two letters")
    year: int | None = None
    condition: str = Field(description="serviceable, unserviceable or unsafe")
    handed_in_by: str | None = Field(None, description="pseudonymous id, never a name")
    photos: list[str] = Field([], description="SHA-256 of photos already stored")
    confirm_duplicate_reason: str | None = Field(
        None, description="why this is another weapon, when the 422 `duplicate` said it may not be"
    )


class CorrectionIn(Input):
    fields: dict[str, str | int | list[str] | None] = Field(
        description="the fields to correct and their right values; the others keep theirs. "
        "Items: category, make, model, calibre, serial, markings, country, year, condition. "
        "Lots: type, calibre, lot_number, quantity, unit, hazard_division, compatibility_group, "
        "condition. Materiel: type, description, quantity, identifiers."
    )
    reason: str = Field(description="what was wrong and how it was found out")
    confirm_duplicate_reason: str | None = Field(
        None, description="items only: why this is another weapon, after a 422 `duplicate`"
    )


class ItemOut(Schema):
    tag: str
    category: str
    make: str
    model: str
    calibre: str
    serial: str
    markings: str
    country: str
    year: int | None
    condition: str
    status: str
    site: str = Field(alias="site_id")
    container: str | None = Field(alias="container_id")
    rack: int | None
    collected_at: dt.datetime
    collected_site: str = Field(alias="collected_site_id")
    collected_by: str
    photos: list[str]


class ItemDetailOut(ItemOut):
    history: list[EventOut]


class ItemPage(Schema):
    items: list[ItemOut]
    page: int
    per_page: int
    has_next: bool


class LotIn(Input):
    site: str
    type: str
    calibre: str = ""
    lot_number: str = ""
    quantity: int = Field(description="rounds or pieces; mass in grams")
    unit: str = Field(description="rounds, grams or pieces")
    hazard_division: str = Field(description="1.1 to 1.6")
    compatibility_group: str
    condition: str
    handed_in_by: str | None = None
    photos: list[str] = Field([], description="SHA-256 of photos already stored")


class LotOut(Schema):
    tag: str
    type: str
    calibre: str
    lot_number: str
    quantity: int
    unit: str
    hazard_division: str
    compatibility_group: str
    condition: str
    status: str
    site: str = Field(alias="site_id")
    container: str | None = Field(alias="container_id")
    photos: list[str]
    collected_at: dt.datetime


class MaterielIn(Input):
    site: str
    type: str
    description: str
    quantity: int
    identifiers: list[str] = []
    handed_in_by: str | None = None
    photos: list[str] = Field([], description="SHA-256 of photos already stored")


class MaterielOut(Schema):
    tag: str
    type: str
    description: str
    quantity: int
    identifiers: list[str]
    site: str = Field(alias="site_id")
    photos: list[str]
    collected_at: dt.datetime


class BookIn(Input):
    container: str
    rack: int | None = None


class RemoveIn(Input):
    by: str = Field(description="pseudonymous id of whoever takes the item")
    organisation: str
    purpose: str


class ReturnIn(BookIn):
    condition: str | None = None


class LostIn(Input):
    kind: str = Field("lost", description="lost or stolen")
    description: str


class IncidentOut(Schema):
    code: str
    kind: str
    item: str | None = Field(alias="item_id")
    lot: str | None = Field(alias="lot_id")
    site: str = Field(alias="site_id")
    reported_at: dt.datetime


class CrateIn(Input):
    code: str
    seal: str
    items: list[str] = []
    lots: list[str] = []


class DispatchIn(Input):
    from_site: str
    to_site: str
    crates: list[CrateIn]


class ReceiveIn(Input):
    received_items: list[str]
    received_lots: dict[str, int] = Field({}, description="lot tag -> quantity counted")
    broken_seals: list[str] = Field([], description="crates whose seal arrived broken")
    declaration: str = Field(description="the receiving custodian's handover declaration")


class ShipmentLineOut(Schema):
    crate: str
    crate_seal: str
    item: str | None = Field(alias="item_id")
    lot: str | None = Field(alias="lot_id")
    received: bool | None


class ShipmentOut(Schema):
    code: str
    from_site: str = Field(alias="from_site_id")
    to_site: str = Field(alias="to_site_id")
    status: str
    dispatched_at: dt.datetime
    dispatched_by: str
    received_at: dt.datetime | None
    received_by: str
    declaration: str
    discrepancies: list[dict[str, Any]]
    lines: list[ShipmentLineOut]


class SearchQuery(Input):
    serial: str = Field("", description="full or partial; normalised like stored serials")
    serial_start: bool = Field(False, description="match the serial's beginning only")
    tag: str = ""
    make: str = ""
    model: str = ""
    category: str = ""
    site: str = ""
    container: str = ""
    status: str = ""
    collected_from: IsoDate | None = Field(
        None, description="first day of collection, UTC (YYYY-MM-DD), included"
    )
    collected_to: IsoDate | None = Field(
        None,
        description="last day of collection, UTC (YYYY-MM-DD), included: the same meaning as "
        "on the item list page",
    )
    page: PageNumber = 1
    per_page: PerPage = 50


# ---- lookups -------------------------------------------------------------------------------


def _site(code: str, *, kept: bool = False) -> Site:
    """Any site by code: acting there is then authorised by the service (403 if not covered).
    `kept`: as the process keeps it for a registration (`selectors.site_kept`), whose writer
    reads its status again under the log head lock."""
    site = selectors.site_kept(code) if kept else selectors.site_get(code)
    if site is None:
        raise Http404(_("No site %(code)s.") % {"code": code})
    return site


def _item(request: HttpRequest, tag: str) -> Item:
    item = selectors.item_get(tag, principal=principal(request))
    if item is None:
        raise Http404(_("No item %(tag)s that you may see.") % {"tag": tag})
    return item


def _container(code: str) -> Container:
    container = selectors.container_get(code)
    if container is None:
        raise Http404(_("No container %(code)s.") % {"code": code})
    return container


def _item_detail(item: Item) -> dict[str, Any]:
    history: list[CustodyEvent] = selectors.item_history(item.tag)
    return {**ItemOut.model_validate(item).model_dump(by_alias=True), "history": history}


def _shipment_out(shipment: Shipment) -> dict[str, Any]:
    return {
        "code": shipment.code,
        "from_site_id": shipment.from_site_id,
        "to_site_id": shipment.to_site_id,
        "status": shipment.status,
        "dispatched_at": shipment.dispatched_at,
        "dispatched_by": shipment.dispatched_by,
        "received_at": shipment.received_at,
        "received_by": shipment.received_by,
        "declaration": shipment.declaration,
        "discrepancies": shipment.discrepancies,
        "lines": selectors.shipment_lines(shipment),
    }


# ---- registering ---------------------------------------------------------------------------


@router.post("/items", response={201: ItemOut}, url_name="arms_item_create")
@api_action("arms.item_register")
def item_create(request: HttpRequest, payload: ItemIn) -> HttpResponse:
    """Register a weapon handed in at a collection point; its tag is allocated here. With an
    `Idempotency-Key` header, sending it again registers nothing and answers the same item."""
    return _rendered(request, item_registered(principal(request), payload, request), status=201)


def item_registered(
    actor: Principal, payload: ItemIn, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The registration of `item_create`, its answer's body (ItemOut). Without a request (no
    Idempotency-Key then), laydown.ops.api_fast calls it for a token call."""
    fields = payload.dict(exclude={"site"})
    site = _site(payload.site, kept=True)
    try:
        once = None if request is None else idempotent(request, "arms.weapon", payload.dict())
        item = (
            services.item_collect(actor=actor, site=site, **fields)
            if once is None
            else Item.objects.get(tag=once.result["tag"])
        )
    except services.DuplicateSuspected as exc:
        exc.fields = {**exc.fields, "duplicate_of": " ".join(exc.tags)}
        raise
    return _item_answer(item)


class PhotoOut(Schema):
    sha256: str = Field(description="name the photo by this in an item's `photos`")


@router.post("/photos", response={201: PhotoOut}, url_name="arms_photo_store")
@api_action("arms.item_register")
def photo_store(request: HttpRequest, file: File[UploadedFile]) -> Status[Any]:
    """Store a photo (JPEG, PNG or WebP, at most 10 MB) by its SHA-256; storing it again
    changes nothing, so a retried upload is harmless."""
    sha = photos.photo_store(data=file.read(photos.MAX_PHOTO_BYTES + 1))
    return Status(201, {"sha256": sha})


class PhotoArrivedOut(Schema):
    sha256: str
    tag: str
    stored: bool = Field(description="true if this upload stored it, false if it was there")


@router.post(
    "/photos/{tag}/{sha256}",
    response={200: PhotoArrivedOut, 201: PhotoArrivedOut},
    url_name="arms_photo_arrive",
)
@api_action("arms.item_register")
def photo_arrive(
    request: HttpRequest, tag: str, sha256: str, file: File[UploadedFile]
) -> Status[Any]:
    """A photo the item's registration announced by its SHA-256 (the field app sends the record
    first, its photos after): the bytes must hash to `sha256`, one of the item's `photos`.
    Sending it again answers 200 and changes nothing, so an upload cut off is simply sent again.
    """
    stored = services.tag_photo_arrive(
        actor=principal(request),
        tag=tag,
        sha=sha256,
        data=file.read(photos.MAX_PHOTO_BYTES + 1),
    )
    return Status(201 if stored else 200, {"sha256": sha256, "tag": tag, "stored": stored})


@router.post("/lots", response={201: LotOut}, url_name="arms_lot_create")
@api_action("arms.item_register")
def lot_create(request: HttpRequest, payload: LotIn) -> HttpResponse:
    """Register an ammunition lot (mass in grams); once per `Idempotency-Key`."""
    return _rendered(request, lot_registered(principal(request), payload, request), status=201)


def lot_registered(
    actor: Principal, payload: LotIn, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The registration of `lot_create`, its answer's body (LotOut); as `item_registered`."""
    fields = payload.dict(exclude={"site"})
    site = _site(payload.site, kept=True)
    once = None if request is None else idempotent(request, "arms.lot", payload.dict())
    if once is not None:
        return _answer(LotOut, AmmoLot.objects.get(tag=once.result["tag"]))
    return _answer(LotOut, services.lot_collect(actor=actor, site=site, **fields))


@router.post("/materiel", response={201: MaterielOut}, url_name="arms_materiel_create")
@api_action("arms.item_register")
def materiel_create(request: HttpRequest, payload: MaterielIn) -> HttpResponse:
    """Register materiel handed in; once per `Idempotency-Key`."""
    return _rendered(request, materiel_registered(principal(request), payload, request), status=201)


def materiel_registered(
    actor: Principal, payload: MaterielIn, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The registration of `materiel_create`, its answer's body (MaterielOut); as
    `item_registered`."""
    fields = payload.dict(exclude={"site"})
    site = _site(payload.site, kept=True)
    once = None if request is None else idempotent(request, "arms.materiel", payload.dict())
    if once is not None:
        return _answer(MaterielOut, Materiel.objects.get(tag=once.result["tag"]))
    return _answer(MaterielOut, services.materiel_collect(actor=actor, site=site, **fields))


# The registrations laydown.ops.api_fast answers before Django's handler (token calls without
# an Idempotency-Key): the view's URL name, the view (its action), its schema, what it runs.
FAST_REGISTRATIONS = (
    ("arms_item_create", item_create, ItemIn, item_registered),
    ("arms_lot_create", lot_create, LotIn, lot_registered),
    ("arms_materiel_create", materiel_create, MaterielIn, materiel_registered),
)


# ---- corrections ---------------------------------------------------------------------------


@router.post("/items/{tag}/corrections", response=ItemDetailOut, url_name="arms_item_correct")
@api_action("arms.correct")
def item_correct(request: HttpRequest, tag: str, payload: CorrectionIn) -> dict[str, Any]:
    """Correct fields of a registered weapon with a reason; the corrected serial is checked for
    duplicates again (422 `duplicate` as at registration)."""
    try:
        item = services.item_correct(
            actor=principal(request),
            item=_item(request, tag),
            reason=payload.reason,
            confirm_duplicate_reason=payload.confirm_duplicate_reason,
            **payload.fields,
        )
    except services.DuplicateSuspected as exc:
        exc.fields = {**exc.fields, "duplicate_of": " ".join(exc.tags)}
        raise
    return _item_detail(item)


@router.post("/lots/{tag}/corrections", response=LotOut, url_name="arms_lot_correct")
@api_action("arms.correct")
def lot_correct(request: HttpRequest, tag: str, payload: CorrectionIn) -> AmmoLot:
    """Correct fields of a registered ammunition lot with a reason."""
    lot = selectors.lot_get(tag, principal=principal(request))
    if lot is None:
        raise Http404(_("No lot %(tag)s that you may see.") % {"tag": tag})
    return services.lot_correct(
        actor=principal(request), lot=lot, reason=payload.reason, **payload.fields
    )


@router.post("/materiel/{tag}/corrections", response=MaterielOut, url_name="arms_materiel_correct")
@api_action("arms.correct")
def materiel_correct(request: HttpRequest, tag: str, payload: CorrectionIn) -> Materiel:
    """Correct fields of registered materiel with a reason."""
    row = selectors.materiel_get(tag, principal=principal(request))
    if row is None:
        raise Http404(_("No materiel %(tag)s that you may see.") % {"tag": tag})
    return services.materiel_correct(
        actor=principal(request), materiel=row, reason=payload.reason, **payload.fields
    )


# ---- reading -------------------------------------------------------------------------------


@router.get("/items", response=ItemPage, url_name="arms_item_search")
@api_action("arms.read")
def item_search(request: HttpRequest, filters: Query[SearchQuery]) -> HttpResponse:
    """Items matching every filter given, newest tag first; pages without a total count."""
    query = filters.dict()
    query["serial_partial"] = not query.pop("serial_start")
    page = selectors.item_search(principal=principal(request), columns=_ITEM_COLUMNS, **query)
    answer = page.as_api()
    # ItemPage's fields and values as ninja would give them, without validating each of the
    # rows' 18 fields in Python (most of the list's CPU): the columns are those of ItemOut
    answer["items"] = [dict(zip(_ITEM_FIELDS, row, strict=True)) for row in page.rows]
    return _rendered(request, answer)


_RENDERER = JSONRenderer()  # the API's (laydown.api keeps ninja's default)
CONTENT_TYPE = f"{_RENDERER.media_type}; charset=utf-8"


def _fields_and_columns(schema: type[Schema]) -> tuple[tuple[str, str], ...]:
    """An output schema's fields, in its order, and the attributes they are read from (`site`
    from site_id...)."""
    return tuple((name, f.alias or name) for name, f in schema.model_fields.items())


_OUT_FIELDS: dict[type[Schema], tuple[tuple[str, str], ...]] = {
    schema: _fields_and_columns(schema) for schema in (ItemOut, LotOut, MaterielOut)
}
_ITEM_FIELDS = tuple(name for name, _column in _OUT_FIELDS[ItemOut])
_ITEM_COLUMNS = tuple(column for _name, column in _OUT_FIELDS[ItemOut])


def _answer(schema: type[Schema], row: Any) -> dict[str, Any]:
    """`schema` (ItemOut, LotOut, MaterielOut) of a row just registered, as ninja would give
    it, without validating each of its fields again in Python (a sixth of the API's own CPU
    for a registration); a test compares the two."""
    return {name: getattr(row, column) for name, column in _OUT_FIELDS[schema]}


def _item_answer(item: Item) -> dict[str, Any]:
    return _answer(ItemOut, item)


def rendered_body(answer: dict[str, Any], status: int) -> bytes:
    """`answer` as ninja's JSON renderer writes it (CONTENT_TYPE)."""
    content: str = _RENDERER.render(None, answer, response_status=status)  # type: ignore[arg-type]
    return content.encode()


def _rendered(request: HttpRequest, answer: dict[str, Any], status: int = 200) -> HttpResponse:
    """`answer` as ninja renders a response: its JSON renderer and content type."""
    return HttpResponse(rendered_body(answer, status), status=status, content_type=CONTENT_TYPE)


@router.get("/items/{tag}", response=ItemDetailOut, url_name="arms_item_get")
@api_action("arms.read")
def item_get(request: HttpRequest, tag: str) -> dict[str, Any]:
    """One item with its whole custody history (each event's ledger index, for its proof)."""
    return _item_detail(_item(request, tag))


@router.get("/lots/{tag}", response=LotOut, url_name="arms_lot_get")
@api_action("arms.read")
def lot_get(request: HttpRequest, tag: str) -> AmmoLot:
    lot = selectors.lot_get(tag, principal=principal(request))
    if lot is None:
        raise Http404(_("No lot %(tag)s that you may see.") % {"tag": tag})
    return lot


@router.get("/materiel/{tag}", response=MaterielOut, url_name="arms_materiel_get")
@api_action("arms.read")
def materiel_get(request: HttpRequest, tag: str) -> Materiel:
    row = selectors.materiel_get(tag, principal=principal(request))
    if row is None:
        raise Http404(_("No materiel %(tag)s that you may see.") % {"tag": tag})
    return row


@router.get("/sites", response=list[SiteOut], url_name="arms_site_list")
@api_action("arms.read")
def site_list(request: HttpRequest, kind: str = "") -> list[Site]:
    """The sites whose records you may read."""
    return selectors.sites_list(principal=principal(request), kind=kind)


@router.get("/sites/{code}", response=SiteContentsOut, url_name="arms_site_get")
@api_action("arms.read")
def site_get(request: HttpRequest, code: str) -> dict[str, Any]:
    """A site and what it holds now, container by container."""
    contents = selectors.site_contents(code, principal=principal(request))
    if contents is None:
        raise Http404(_("No site %(code)s that you may see.") % {"code": code})
    return {
        **SiteOut.model_validate(contents.site).model_dump(by_alias=True),
        "containers": [
            {
                "code": c.container.code,
                "racks": c.container.racks,
                "seal": c.seal.number if c.seal else None,
                "items": [i.tag for i in c.items],
                "lots": [lot.tag for lot in c.lots],
                "item_count": c.item_count,
                "lot_count": c.lot_count,
            }
            for c in contents.containers
        ],
        "loose_items": [i.tag for i in contents.loose_items],
        "loose_lots": [lot.tag for lot in contents.loose_lots],
        "loose_item_count": contents.loose.item_count,
        "loose_lot_count": contents.loose.lot_count,
        "materiel": [m.tag for m in contents.materiel],
    }


# ---- custody -------------------------------------------------------------------------------


@router.post("/items/{tag}/book", response=ItemDetailOut, url_name="arms_item_book")
@api_action("arms.custody")
def item_book(request: HttpRequest, tag: str, payload: BookIn) -> dict[str, Any]:
    """Book an item in storage into a container of its site (refused if the container is sealed)."""
    item = _item(request, tag)
    item = services.item_book(
        actor=principal(request),
        item=item,
        container=_container(payload.container),
        rack=payload.rack,
    )
    return _item_detail(item)


@router.post("/items/{tag}/remove", response=ItemDetailOut, url_name="arms_item_remove")
@api_action("arms.custody")
def item_remove(request: HttpRequest, tag: str, payload: RemoveIn) -> dict[str, Any]:
    """Take an item out of storage: who, for which organisation, why."""
    item = services.item_remove(
        actor=principal(request), item=_item(request, tag), **payload.dict()
    )
    return _item_detail(item)


@router.post("/items/{tag}/return", response=ItemDetailOut, url_name="arms_item_return")
@api_action("arms.custody")
def item_return(request: HttpRequest, tag: str, payload: ReturnIn) -> dict[str, Any]:
    item = _item(request, tag)
    item = services.item_return(
        actor=principal(request),
        item=item,
        container=_container(payload.container),
        rack=payload.rack,
        condition=payload.condition,
    )
    return _item_detail(item)


@router.post("/items/{tag}/report-lost", response={201: IncidentOut}, url_name="arms_item_lost")
@api_action("arms.report_lost")
def item_report_lost(request: HttpRequest, tag: str, payload: LostIn) -> Status[Any]:
    """Report an item lost or stolen; an incident opens."""
    incident = services.item_report_lost(
        actor=principal(request), item=_item(request, tag), **payload.dict()
    )
    return Status(201, incident)


@router.post("/shipments", response={201: ShipmentOut}, url_name="arms_shipment_dispatch")
@api_action("arms.shipment")
def shipment_dispatch(request: HttpRequest, payload: DispatchIn) -> Status[Any]:
    """Send items and lots from one site to another in sealed crates."""
    crates = [
        services.Crate(code=c.code, seal=c.seal, items=tuple(c.items), lots=tuple(c.lots))
        for c in payload.crates
    ]
    shipment = services.shipment_dispatch(
        actor=principal(request),
        from_site=_site(payload.from_site),
        to_site=_site(payload.to_site),
        crates=crates,
    )
    return Status(201, _shipment_out(shipment))


def _shipment(request: HttpRequest, code: str) -> Shipment:
    shipment = selectors.shipment_get(code, principal=principal(request))
    if shipment is None:
        raise Http404(_("No shipment %(code)s that you may see.") % {"code": code})
    return shipment


@router.get("/shipments/{code}", response=ShipmentOut, url_name="arms_shipment_get")
@api_action("arms.read")
def shipment_get(request: HttpRequest, code: str) -> dict[str, Any]:
    return _shipment_out(_shipment(request, code))


@router.post("/shipments/{code}/receive", response=ShipmentOut, url_name="arms_shipment_receive")
@api_action("arms.shipment")
def shipment_receive(request: HttpRequest, code: str, payload: ReceiveIn) -> dict[str, Any]:
    """Reconcile what arrived against the shipment and sign the handover; discrepancies are
    flagged in the answer."""
    shipment = services.shipment_receive(
        actor=principal(request), shipment=_shipment(request, code), **payload.dict()
    )
    return _shipment_out(shipment)


# ---- site management -----------------------------------------------------------------------


class SiteFieldsIn(Input):
    name: str
    kind: str = Field(description="collection_point, storage_depot or destruction_site")
    region: str = Field(description="the region's code (lower-case, as in grants)")
    place: str = Field("", description="the P-code of its place, e.g. AZ0101")
    lat_micro: int | None = Field(None, description="latitude in micro-degrees (x 10^6)")
    lon_micro: int | None = Field(None, description="longitude in micro-degrees (x 10^6)")


class SiteIn(SiteFieldsIn):
    code: str
    status: str = Field("open", description="open or planned")


class StatusIn(Input):
    status: str = Field(description="sites: open, closed or planned; containers: open or closed")
    reason: str = ""


class ContainerIn(Input):
    code: str
    racks: int = 0


class ContainerEditIn(Input):
    racks: int


class ContainerRowOut(Schema):
    code: str
    site: str = Field(alias="site_id")
    racks: int
    status: str


def _site_seen(request: HttpRequest, code: str) -> Site:
    site = selectors.site_get(code, principal=principal(request))
    if site is None:
        raise Http404(_("No site %(code)s that you may see.") % {"code": code})
    return site


def _container_seen(request: HttpRequest, code: str) -> Container:
    container = selectors.container_get(code, principal=principal(request))
    if container is None:
        raise Http404(_("No container %(code)s that you may see.") % {"code": code})
    return container


@router.post("/sites", response={201: SiteOut}, url_name="arms_site_create")
@api_action("arms.site_manage")
def site_create(request: HttpRequest, payload: SiteIn) -> Status[Any]:
    """Create a collection point, storage depot or destruction site."""
    return Status(201, services.site_create(actor=principal(request), **payload.dict()))


@router.put("/sites/{code}", response=SiteOut, url_name="arms_site_update")
@api_action("arms.site_manage")
def site_update(request: HttpRequest, code: str, payload: SiteFieldsIn) -> Site:
    """Change a site's name, kind, region, place (P-code) or position."""
    site = _site_seen(request, code)
    return services.site_update(actor=principal(request), site=site, **payload.dict())


@router.post("/sites/{code}/status", response=SiteOut, url_name="arms_site_status")
@api_action("arms.site_manage")
def site_status(request: HttpRequest, code: str, payload: StatusIn) -> Site:
    """Open or close a site (a closed site takes in nothing more; its history stays)."""
    site = _site_seen(request, code)
    return services.site_status_set(actor=principal(request), site=site, **payload.dict())


@router.delete("/sites/{code}", response={204: None}, url_name="arms_site_delete")
@api_action("arms.site_manage")
def site_delete(request: HttpRequest, code: str, reason: str) -> Status[None]:
    """Delete a site made by mistake (`reason`: why); refused (422) once it has containers or
    held anything: close it instead."""
    site = _site_seen(request, code)
    services.site_delete(actor=principal(request), site=site, reason=reason)
    return Status(204, None)


@router.post(
    "/sites/{code}/containers", response={201: ContainerRowOut}, url_name="arms_container_create"
)
@api_action("arms.site_manage")
def container_create(request: HttpRequest, code: str, payload: ContainerIn) -> Status[Any]:
    """Set up a container (with its racks) in a storage depot."""
    site = _site_seen(request, code)
    box = services.container_create(actor=principal(request), site=site, **payload.dict())
    return Status(201, box)


@router.put("/containers/{code}", response=ContainerRowOut, url_name="arms_container_update")
@api_action("arms.site_manage")
def container_update(request: HttpRequest, code: str, payload: ContainerEditIn) -> Container:
    box = _container_seen(request, code)
    return services.container_update(actor=principal(request), container=box, racks=payload.racks)


@router.post(
    "/containers/{code}/status", response=ContainerRowOut, url_name="arms_container_status"
)
@api_action("arms.site_manage")
def container_status(request: HttpRequest, code: str, payload: StatusIn) -> Container:
    """Close an empty container or open it again."""
    box = _container_seen(request, code)
    return services.container_status_set(actor=principal(request), container=box, **payload.dict())


@router.delete("/containers/{code}", response={204: None}, url_name="arms_container_delete")
@api_action("arms.site_manage")
def container_delete(request: HttpRequest, code: str, reason: str) -> Status[None]:
    """Delete a container made by mistake; refused once it has held anything: close it instead."""
    box = _container_seen(request, code)
    services.container_delete(actor=principal(request), container=box, reason=reason)
    return Status(204, None)


# ---- bulk import ---------------------------------------------------------------------------


@router.post("/imports/items", response=IMPORT_RESPONSES, url_name="arms_items_import")
@api_action("arms.import")
def items_import(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False) -> Any:
    """Import weapons from a CSV or XLSX file (columns: docs/import.md). Every row is checked
    first; a file with any problem imports nothing, and the 422 lists each problem by row,
    column, value and reason. `dry_run=true` only checks."""
    return file_import(
        actor=principal(request),
        file=file,
        kind=import_job.KIND,
        layout=importer.LAYOUT,
        dry_run=dry_run,
    )


@router.post("/imports/lots", response=IMPORT_RESPONSES, url_name="arms_lots_import")
@api_action("arms.import")
def lots_import(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False) -> Any:
    """Import ammunition lots from a CSV or XLSX file, the lots list's own export, or an
    export of the lot form (columns: docs/import.md), as `imports/items` does. Rows whose tag
    is registered with the same values are left out (`registered`)."""
    return file_import(
        actor=principal(request),
        file=file,
        kind=import_job.LOTS.name,
        layout=register_import.LOTS.layout,
        dry_run=dry_run,
    )


@router.post("/imports/materiel", response=IMPORT_RESPONSES, url_name="arms_materiel_import")
@api_action("arms.import")
def materiel_import(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False) -> Any:
    """Import materiel from a CSV or XLSX file, the materiel list's own export, or an export
    of the materiel form (columns: docs/import.md), as `imports/lots` does."""
    return file_import(
        actor=principal(request),
        file=file,
        kind=import_job.MATERIEL.name,
        layout=register_import.MATERIEL.layout,
        dry_run=dry_run,
    )
