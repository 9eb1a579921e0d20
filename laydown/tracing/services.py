"""Tracing's writes: markings, ammunition identification, recovery, the vocabulary, requests.

Each function authorises, checks every field, then appends its record(s) in one transaction,
as every service of Laydown does (docs/adding-a-record-kind.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize
from laydown.access.roles import Scope
from laydown.accounts.services import SYSTEM
from laydown.arms.models import AmmoLot, Item, Materiel, Site
from laydown.arms.photos import photos_check
from laydown.assistance.models import Place
from laydown.core import validators
from laydown.core.errors import ValidationError
from laydown.core.text import bidi_controls_find
from laydown.ledger import services as ledger
from laydown.ledger.models import Record
from laydown.tracing import permissions, records, seed
from laydown.tracing.models import Recovery, Term, TracingRequest
from laydown.tracing.records import term_key
from laydown.tracing.vocab import (
    Circumstance,
    LotMarkingKind,
    MarkingKind,
    MarkingLocation,
    MarkingState,
    TermKind,
    TermStatus,
)

MAX_MARKINGS = 30
MAX_REQUEST_ITEMS = 500


def authorize_at(actor: Principal, action: str, site: Site | None) -> None:
    if actor is SYSTEM:
        return
    scope = None if site is None else Scope(site=site.code, region=site.region)
    authorize(actor, action, scope=scope)


def _append(entries: list[tuple[str, Mapping[str, Any]]], actor: Principal) -> list[Record]:
    return ledger.record_append_batch(entries=entries, actor=actor_of(actor))


def _field(index: int, name: str) -> str:
    return f"markings[{index}].{name}"


def _text(field: str, value: object, max_length: int, *, multiline: bool = False) -> str:
    """Free text as printed; bidi controls refused beside the field (they reorder what is shown)."""
    text = validators.text(field, value, max_length=max_length, multiline=multiline)
    found = bidi_controls_find(text)
    if found is not None:
        raise validators.refuse(
            field,
            _("direction control character"),
            _("Contains the direction control %(char)s; retype the text.") % {"char": found},
        )
    return text


def _photo(field: str, value: object) -> str | None:
    if value in (None, ""):
        return None
    try:
        return photos_check([str(value)])[0]
    except ValidationError as error:
        raise validators.refuse(field, _("unknown photo"), str(error)) from error


def _count_check(markings: Sequence[Any]) -> None:
    if len(markings) > MAX_MARKINGS:
        raise validators.refuse(
            "markings",
            _("too many"),
            _("At most %(max)d markings; record the others in a note.") % {"max": MAX_MARKINGS},
        )


def marking_check(index: int, m: Mapping[str, object]) -> dict[str, Any]:
    """One weapon marking, checked; every field named as markings[i].field."""
    kind = validators.choice(_field(index, "kind"), m.get("kind"), MarkingKind.values)
    location = validators.choice(
        _field(index, "location"), m.get("location"), MarkingLocation.values
    )
    state = validators.choice(
        _field(index, "state"), m.get("state") or MarkingState.LEGIBLE, MarkingState.values
    )
    text = _text(_field(index, "text"), m.get("text", ""), 200)
    if not text and state != MarkingState.OBLITERATED:
        raise validators.refuse(
            _field(index, "text"),
            _("missing"),
            _("Marking %(n)d: write what it reads, or mark it obliterated.") % {"n": index + 1},
        )
    photo = _photo(_field(index, "photo"), m.get("photo"))
    return {"kind": kind, "location": location, "text": text, "state": state, "photo": photo}


def _checked_set(
    actor: Principal,
    tag: str,
    site: Site | None,
    lot: bool,
    markings: Sequence[Mapping[str, object]],
) -> tuple[str, Mapping[str, Any]]:
    """The record of one thing's whole marking set, authorised and checked."""
    authorize_at(actor, permissions.RECORD.name, site)
    _count_check(markings)
    check = lot_marking_check if lot else marking_check
    kind = records.LOT_MARKINGS_RECORDED if lot else records.MARKINGS_RECORDED
    return kind.name, {"tag": tag, "markings": [check(n, m) for n, m in enumerate(markings)]}


def _sets_append(entries: list[tuple[str, Mapping[str, Any]]], actor: Principal) -> None:
    if entries:
        with transaction.atomic():
            _append(entries, actor)


def markings_record(
    *, actor: Principal, item: Item, markings: Sequence[Mapping[str, object]]
) -> None:
    """Record the whole set of a weapon's markings (it replaces the set recorded before)."""
    _sets_append([_checked_set(actor, item.tag, item.site, False, markings)], actor)


def markings_record_many(
    *, actor: Principal, sets: Sequence[tuple[str, bool, Sequence[Mapping[str, object]]]]
) -> None:
    """Record the marking sets of many items and lots (tag, is a lot, markings) as one batch of
    records: the markings import. Every set is checked and authorised before any is written."""
    entries: list[tuple[str, Mapping[str, Any]]] = []
    for tag, lot, markings in sets:
        found = thing_at(tag)
        if found is None:
            raise validators.refuse("tag", _("unknown"), _("No item or lot %(t)s.") % {"t": tag})
        entries.append(_checked_set(actor, tag, found[1], lot, markings))
    _sets_append(entries, actor)


def lot_marking_check(index: int, m: Mapping[str, object]) -> dict[str, Any]:
    year = m.get("year")
    clean = {
        "kind": validators.choice(_field(index, "kind"), m.get("kind"), LotMarkingKind.values),
        "manufacturer_code": validators.text(
            _field(index, "manufacturer_code"), m.get("manufacturer_code", ""), max_length=50
        ),
        "year": None
        if year in (None, "")
        else validators.integer(_field(index, "year"), year, minimum=1800, maximum=2100),
        "calibre": validators.text(_field(index, "calibre"), m.get("calibre", ""), max_length=50),
        "lot_number": validators.text(
            _field(index, "lot_number"), m.get("lot_number", ""), max_length=100
        ),
        "text": _text(_field(index, "text"), m.get("text", ""), 500, multiline=True),
        "photo": _photo(_field(index, "photo"), m.get("photo")),
    }
    if not (clean["manufacturer_code"] or clean["text"] or clean["lot_number"]):
        raise validators.refuse(
            _field(index, "text"),
            _("missing"),
            _("Marking %(n)d: give the manufacturer code, the lot number or what it reads.")
            % {"n": index + 1},
        )
    return clean


def lot_markings_record(
    *, actor: Principal, lot: AmmoLot, markings: Sequence[Mapping[str, object]]
) -> None:
    """Record the whole set of a lot's headstamps, labels and packing lists."""
    _sets_append([_checked_set(actor, lot.tag, lot.site, True, markings)], actor)


def thing_at(tag: str) -> tuple[str, Site] | None:
    """(tag, the site it is at) of an item, lot or materiel, or None."""
    for model in (Item, AmmoLot, Materiel):
        row = model.objects.filter(tag=tag).select_related("site").first()
        if row is not None:
            return row.tag, row.site
    return None


def recovery_record(
    *,
    actor: Principal,
    tag: str,
    circumstance: str,
    lat_micro: int | None = None,
    lon_micro: int | None = None,
    place: str = "",
    note: str = "",
    formation: str | None = None,
) -> Recovery:
    """Record where and how an item, lot or materiel was recovered; with `formation`, also the
    formation it came from (a record of its own, kept out of the custody history)."""
    found = thing_at(tag)
    if found is None:
        raise validators.refuse(
            "tag", _("unknown"), _("No item, lot or materiel %(t)s.") % {"t": tag}
        )
    tag, site = found
    authorize_at(actor, permissions.RECORD.name, site)
    if (lat_micro is None) != (lon_micro is None):
        raise validators.refuse(
            "lat_micro", _("half a position"), _("Give both coordinates or neither.")
        )
    data = {
        "tag": tag,
        "lat_micro": None
        if lat_micro is None
        else validators.integer("lat_micro", lat_micro, minimum=-90_000_000, maximum=90_000_000),
        "lon_micro": None
        if lon_micro is None
        else validators.integer("lon_micro", lon_micro, minimum=-180_000_000, maximum=180_000_000),
        "place": validators.text("place", place, max_length=40),
        "circumstance": validators.choice("circumstance", circumstance, Circumstance.values),
        "note": validators.text("note", note, max_length=500),
    }
    if data["place"] and not Place.objects.filter(pcode=data["place"]).exists():
        raise validators.refuse(
            "place",
            _("unknown place"),
            _("There is no place with P-code %(p)r.") % {"p": data["place"]},
        )
    if data["lat_micro"] is None and not data["place"]:
        raise validators.refuse(
            "place",
            _("missing"),
            _("Give the position of the recovery (from the device) or its place's P-code."),
        )
    entries: list[tuple[str, Mapping[str, Any]]] = [(records.RECOVERY_RECORDED.name, data)]
    if formation:
        entries.append(
            (
                records.PROVENANCE_RECORDED.name,
                {"tag": tag, "formation": validators.text("formation", formation, max_length=200)},
            )
        )
    with transaction.atomic():
        _append(entries, actor)
    return Recovery.objects.get(tag=tag)


# ---- the vocabulary -------------------------------------------------------------------------


def _term_value(value: object) -> str:
    text = validators.text("value", value, max_length=100, required=True)
    if not term_key(text):
        raise validators.refuse("value", _("invalid"), _("Write the name with letters or digits."))
    return text


def term_propose(*, actor: Principal, kind: str, value: str, source: str = "") -> Term:
    authorize(actor, permissions.VOCABULARY_PROPOSE.name)
    data = {
        "kind": validators.choice("kind", kind, TermKind.values),
        "value": _term_value(value),
        "source": validators.text("source", source, max_length=300),
    }
    existing = Term.objects.filter(kind=data["kind"], key=term_key(data["value"])).first()
    if existing is not None and existing.status != TermStatus.REJECTED:
        known = existing.canonical or existing.value
        raise validators.refuse(
            "value",
            _("known"),
            _("%(v)s is in the vocabulary already (%(s)s: %(k)s).")
            % {"v": data["value"], "s": existing.get_status_display(), "k": known},
        )
    with transaction.atomic():
        _append([(records.TERM_PROPOSED.name, data)], actor)
    return Term.objects.get(kind=data["kind"], key=term_key(data["value"]))


def term_decide(
    *,
    actor: Principal,
    kind: str,
    value: str,
    decision: str,
    canonical: str = "",
    reason: str = "",
) -> Term:
    """Approve a proposed term, make it another name (`alias`) of an approved one, or reject it."""
    authorize(actor, permissions.VOCABULARY_DECIDE.name)
    kind = validators.choice("kind", kind, TermKind.values)
    decision = validators.choice(
        "decision", decision, (TermStatus.APPROVED, TermStatus.ALIAS, TermStatus.REJECTED)
    )
    reason = validators.text("reason", reason, max_length=500)
    with transaction.atomic():
        term = Term.objects.select_for_update().filter(kind=kind, key=term_key(value)).first()
        if term is None or term.status != TermStatus.PROPOSED:
            raise validators.refuse(
                "value", _("not proposed"), _("%(v)s is not awaiting a decision.") % {"v": value}
            )
        target = ""
        if decision == TermStatus.ALIAS:
            approved = Term.objects.filter(kind=kind, key=term_key(canonical)).first()
            if approved is not None and approved.status == TermStatus.ALIAS:  # its approved name
                approved = Term.objects.filter(kind=kind, value=approved.canonical).first()
            if approved is None or approved.status != TermStatus.APPROVED or approved == term:
                raise validators.refuse(
                    "canonical",
                    _("not approved"),
                    _("Name an approved %(k)s that %(v)s is another name of.")
                    % {"k": str(TermKind(kind).label).lower(), "v": term.value},
                )
            target = approved.value
        if decision == TermStatus.REJECTED and not reason:
            raise validators.refuse("reason", _("missing"), _("Say why the term is rejected."))
        data = {
            "kind": kind,
            "value": term.value,
            "decision": decision,
            "canonical": target or None,
            "reason": reason,
        }
        _append([(records.TERM_DECIDED.name, data)], actor)
    return Term.objects.get(pk=term.pk)


def vocabulary_seed(*, actor: Principal) -> int:
    """Load the reference makes, models and calibres (seed.py) that the vocabulary lacks, as
    approved terms with their other names; returns how many terms were added."""
    if actor is not SYSTEM:
        authorize(actor, permissions.VOCABULARY_DECIDE.name)
    known = set(Term.objects.values_list("kind", "key"))
    terms = []
    for kind, value, aliases in seed.TERMS:
        if (kind, term_key(value)) in known:
            continue
        known.add((kind, term_key(value)))
        fresh = []
        for alias in aliases:
            if (kind, term_key(alias)) not in known:
                known.add((kind, term_key(alias)))
                fresh.append(alias)
        terms.append({"kind": kind, "value": value, "aliases": fresh})
    if not terms:
        return 0
    with transaction.atomic():
        _append([(records.VOCABULARY_SEEDED.name, {"source": seed.SOURCE, "terms": terms})], actor)
    return len(terms)


# ---- tracing requests -----------------------------------------------------------------------


def request_record(
    *, actor: Principal, tags: Sequence[str], recipient: str, purpose: str
) -> TracingRequest:
    """Record that a tracing request for `tags` goes to `recipient`, for `purpose`; the file is
    built from the registry by export.py (nothing of it is kept but this record)."""
    clean_tags = sorted({t.strip().upper() for t in tags if t.strip()})
    if not clean_tags:
        raise validators.refuse("tags", _("missing"), _("Name at least one item."))
    if len(clean_tags) > MAX_REQUEST_ITEMS:
        raise validators.refuse(
            "tags",
            _("too many"),
            _("At most %(n)d items per request; split it.") % {"n": MAX_REQUEST_ITEMS},
        )
    items = {i.tag: i for i in Item.objects.filter(tag__in=clean_tags).select_related("site")}
    unknown = [t for t in clean_tags if t not in items]
    if unknown:
        raise validators.refuse(
            "tags", _("unknown"), _("No items %(t)s.") % {"t": ", ".join(unknown[:20])}
        )
    for item in items.values():
        authorize_at(actor, permissions.REQUEST_EXPORT.name, item.site)
    data = {
        "tags": clean_tags,
        "recipient": validators.text("recipient", recipient, max_length=200, required=True),
        "purpose": validators.text("purpose", purpose, max_length=500, required=True),
    }
    with transaction.atomic():
        (record,) = _append([(records.REQUEST_EXPORTED.name, data)], actor)
    return TracingRequest.objects.get(code=records.request_code(record.index))
