"""Tracing in the API: markings of items and lots, recovery, search, the vocabulary, requests.

The same services and selectors as the pages; an item or lot outside the caller's sites answers
404 like a missing one. A PUT of markings replaces the whole set (a ledger record each time).
"""

from __future__ import annotations

import base64
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from laydown.accounts.api_auth import api_action, principal
from laydown.arms import selectors as arms
from laydown.arms.models import AmmoLot, Item
from laydown.tracing import export, selectors, services

router = Router(tags=["tracing"])


class MarkingIn(Schema):
    kind: str = Field(
        description="serial, manufacturer, model, country, year, import, proof, unit, other"
    )
    location: str = Field(
        description="receiver, barrel, slide, frame, bolt, trunnion, cover, magazine, stock, other"
    )
    text: str = Field("", description="what it reads, as printed, any script")
    state: str = Field("legible", description="legible, partly_obliterated, obliterated, altered")
    photo: str | None = Field(None, description="SHA-256 of a photo uploaded before")


class MarkingOut(MarkingIn):
    pass


class MarkingsIn(Schema):
    markings: list[MarkingIn]


class LotMarkingIn(Schema):
    kind: str = Field(description="headstamp, packaging or packing_list")
    manufacturer_code: str = ""
    year: int | None = None
    calibre: str = ""
    lot_number: str = ""
    text: str = ""
    photo: str | None = None


class LotMarkingsIn(Schema):
    markings: list[LotMarkingIn]


class RecoveryIn(Schema):
    circumstance: str = Field(
        description="voluntary_hand_in, weapons_cache, seizure, battlefield, other"
    )
    lat_micro: int | None = Field(None, description="latitude in micro-degrees (x 10^6)")
    lon_micro: int | None = None
    place: str = Field("", description="P-code of the place")
    note: str = ""
    formation: str | None = Field(None, description="the armed formation it came from (protected)")


class RecoveryOut(Schema):
    tag: str
    circumstance: str
    lat_micro: int | None
    lon_micro: int | None
    place: str
    note: str
    formation: str | None = Field(description="null unless the caller may see it")


class FoundOut(Schema):
    items: list[str]
    lots: list[str]


class TermIn(Schema):
    kind: str = Field(description="make, model or calibre")
    value: str
    source: str = ""


class DecisionIn(Schema):
    kind: str
    value: str
    decision: str = Field(description="approved, alias or rejected")
    canonical: str = Field("", description="for an alias: the approved name it is another name of")
    reason: str = ""


class TermOut(Schema):
    kind: str
    value: str
    status: str
    canonical: str


class VocabularyOut(Schema):
    make: list[str]
    model: list[str]
    calibre: list[str]


class RequestIn(Schema):
    tags: list[str]
    recipient: str
    purpose: str


class RequestOut(Schema):
    code: str
    zip_base64: str = Field(description="the request: CSV, XLSX and the JSON bundle with proofs")


def _item(request: HttpRequest, tag: str) -> Item:
    item = arms.item_get(tag, principal=principal(request))
    if item is None:
        raise Http404(_("No item %(tag)s that you may see.") % {"tag": tag})
    return item


def _lot(request: HttpRequest, tag: str) -> AmmoLot:
    lot = arms.lot_get(tag, principal=principal(request))
    if lot is None:
        raise Http404(_("No lot %(tag)s that you may see.") % {"tag": tag})
    return lot


def _marking_out(tag: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": m.kind,
            "location": m.location,
            "text": m.text,
            "state": m.state,
            "photo": m.photo or None,
        }
        for m in selectors.markings_of(tag)
    ]


@router.get("/items/{tag}/markings", response=list[MarkingOut], url_name="tracing_markings_get")
@api_action("tracing.read")
def markings_get(request: HttpRequest, tag: str) -> list[dict[str, Any]]:
    item = _item(request, tag)
    if not selectors.allowed_at(principal(request), "tracing.read", item.site):
        raise Http404(_("No item %(tag)s that you may see.") % {"tag": tag})
    return _marking_out(item.tag)


@router.put("/items/{tag}/markings", response=list[MarkingOut], url_name="tracing_markings_put")
@api_action("tracing.record")
def markings_put(request: HttpRequest, tag: str, payload: MarkingsIn) -> list[dict[str, Any]]:
    item = _item(request, tag)
    services.markings_record(
        actor=principal(request), item=item, markings=[m.dict() for m in payload.markings]
    )
    return _marking_out(item.tag)


@router.put(
    "/lots/{tag}/markings", response=list[LotMarkingIn], url_name="tracing_lot_markings_put"
)
@api_action("tracing.record")
def lot_markings_put(
    request: HttpRequest, tag: str, payload: LotMarkingsIn
) -> list[dict[str, Any]]:
    lot = _lot(request, tag)
    services.lot_markings_record(
        actor=principal(request), lot=lot, markings=[m.dict() for m in payload.markings]
    )
    return [
        {
            f: getattr(m, f)
            for f in ("kind", "manufacturer_code", "year", "calibre", "lot_number", "text")
        }
        | {"photo": m.photo or None}
        for m in selectors.lot_markings_of(lot.tag)
    ]


@router.put("/recoveries/{tag}", response=RecoveryOut, url_name="tracing_recovery_put")
@api_action("tracing.record")
def recovery_put(request: HttpRequest, tag: str, payload: RecoveryIn) -> dict[str, Any]:
    who = principal(request)
    found = services.thing_at(tag)
    if found is None or not selectors.allowed_at(who, "tracing.read", found[1]):
        raise Http404(_("No item, lot or materiel %(t)s that you may see.") % {"t": tag})
    services.recovery_record(actor=who, tag=found[0], **payload.dict())
    view = selectors.recovery_of(found[0], who, found[1])
    if view is None:  # recorded a moment ago: only a concurrent replay could get here
        raise Http404(_("No item, lot or materiel %(t)s that you may see.") % {"t": tag})
    row = view.recovery
    return {
        "tag": row.tag,
        "circumstance": row.circumstance,
        "lat_micro": row.lat_micro,
        "lon_micro": row.lon_micro,
        "place": row.place,
        "note": row.note,
        "formation": view.formation,
    }


@router.get("/search", response=FoundOut, url_name="tracing_search")
@api_action("tracing.read")
def search(request: HttpRequest, q: str) -> dict[str, list[str]]:
    """Items by serial or any marking, lots by headstamp, label, packing list or lot number."""
    who = principal(request)
    items = arms.item_search(principal=who, serial=q, per_page=200).rows
    return {
        "items": [i.tag for i in items],
        "lots": [lot.tag for lot in selectors.lot_search(who, q)],
    }


@router.get("/vocabulary", response=VocabularyOut, url_name="tracing_vocabulary")
@api_action("tracing.vocabulary_read")
def vocabulary(request: HttpRequest, site: str = "") -> dict[str, list[str]]:
    """Approved names and their other names, then what was typed recently at `site`."""
    return selectors.suggestions(principal(request), site[:40])


@router.post("/vocabulary", response={201: TermOut}, url_name="tracing_term_propose")
@api_action("tracing.vocabulary_propose")
def term_propose(request: HttpRequest, payload: TermIn) -> Status[Any]:
    term = services.term_propose(actor=principal(request), **payload.dict())
    return Status(201, term)


@router.post("/vocabulary/decisions", response=TermOut, url_name="tracing_term_decide")
@api_action("tracing.vocabulary_decide")
def term_decide(request: HttpRequest, payload: DecisionIn) -> Any:
    return services.term_decide(actor=principal(request), **payload.dict())


@router.post("/requests", response={201: RequestOut}, url_name="tracing_request")
@api_action("tracing.request_export")
def request_export(request: HttpRequest, payload: RequestIn) -> Status[Any]:
    made = services.request_record(actor=principal(request), **payload.dict())
    body = base64.b64encode(export.build(made)).decode()
    return Status(201, {"code": made.code, "zip_base64": body})
