"""Record kinds of tracing, and how each is applied.

Records name items, lots and materiel by tag and people by pseudonym. The formation an item came
from has a record kind of its own (`tracing.provenance_recorded`) that adds nothing to the item's
custody history, so that the history, the observers' item bundles and tracing requests never
carry it.
"""

from __future__ import annotations

from typing import Any

from laydown.arms.normalise import normalise_serial
from laydown.arms.records import custody_event
from laydown.ledger import kinds
from laydown.ledger.models import Record
from laydown.tracing.models import LotMarking, Marking, Recovery, Term, TracingRequest
from laydown.tracing.vocab import TermStatus

Data = dict[str, Any]

ITEM_PREFIX = "LD-"
LOT_PREFIX = "LA-"
MATERIEL_PREFIX = "LM-"


def term_key(value: str) -> str:
    """A vocabulary value folded so that spelling variants meet: "AK-47", "ak 47" -> "ak47"."""
    folded = value.casefold().translate(_SAME_LETTER)
    return "".join(ch for ch in folded if ch.isalnum())


# The multiplication sign of calibres and the Cyrillic letters typed for Latin ones.
_SAME_LETTER = str.maketrans(
    {
        "×": "x",
        "х": "x",
        "а": "a",
        "к": "k",
        "м": "m",
        "о": "o",
        "с": "c",
        "р": "p",
        "е": "e",
        "т": "t",
    }
)


def _event_ref(tag: str) -> dict[str, str]:
    if tag.startswith(LOT_PREFIX):
        return {"lot_id": tag}
    if tag.startswith(MATERIEL_PREFIX):
        return {"materiel_id": tag}
    return {"item_id": tag}


def _apply_markings_recorded(record: Record) -> None:
    d = record.data
    Marking.objects.filter(tag=d["tag"]).delete()
    Marking.objects.bulk_create(
        Marking(
            tag=d["tag"],
            position=n,
            kind=m["kind"],
            location=m["location"],
            text=m["text"],
            text_normalised=normalise_serial(m["text"]),
            state=m["state"],
            photo=m["photo"] or "",
            recorded_at=record.at,
            recorded_by=record.actor,
        )
        for n, m in enumerate(d["markings"])
    )
    custody_event(record, details={"markings": len(d["markings"])}, **_event_ref(d["tag"]))


def _apply_lot_markings_recorded(record: Record) -> None:
    d = record.data
    LotMarking.objects.filter(tag=d["tag"]).delete()
    LotMarking.objects.bulk_create(
        LotMarking(
            tag=d["tag"],
            position=n,
            kind=m["kind"],
            manufacturer_code=m["manufacturer_code"],
            year=m["year"],
            calibre=m["calibre"],
            lot_number=m["lot_number"],
            text=m["text"],
            text_normalised=normalise_serial(" ".join((m["manufacturer_code"], m["text"]))),
            photo=m["photo"] or "",
            recorded_at=record.at,
            recorded_by=record.actor,
        )
        for n, m in enumerate(d["markings"])
    )
    custody_event(record, details={"markings": len(d["markings"])}, **_event_ref(d["tag"]))


def _apply_recovery_recorded(record: Record) -> None:
    d = record.data
    formation = Recovery.objects.filter(tag=d["tag"]).values_list("formation", flat=True).first()
    Recovery.objects.update_or_create(
        tag=d["tag"],
        defaults={
            "lat_micro": d["lat_micro"],
            "lon_micro": d["lon_micro"],
            "place": d["place"],
            "circumstance": d["circumstance"],
            "formation": formation or "",
            "note": d["note"],
            "recorded_at": record.at,
            "recorded_by": record.actor,
        },
    )
    custody_event(
        record,
        details={"circumstance": d["circumstance"], "place": d["place"]},
        **_event_ref(d["tag"]),
    )


def _apply_provenance_recorded(record: Record) -> None:
    d = record.data
    updated = Recovery.objects.filter(tag=d["tag"]).update(formation=d["formation"])
    if not updated:
        raise ValueError(f"provenance of {d['tag']} before its recovery")


def _term_upsert(record: Record, kind: str, value: str, **fields: Any) -> None:
    Term.objects.update_or_create(
        kind=kind,
        key=term_key(value),
        defaults={"value": value, **fields},
    )


def _apply_term_proposed(record: Record) -> None:
    d = record.data
    _term_upsert(
        record,
        d["kind"],
        d["value"],
        status=TermStatus.PROPOSED,
        canonical="",
        source=d["source"],
        proposed_by=record.actor,
        proposed_at=record.at,
        decided_by="",
        decided_at=None,
        reason="",
    )


def _apply_term_decided(record: Record) -> None:
    d = record.data
    Term.objects.filter(kind=d["kind"], key=term_key(d["value"])).update(
        status=d["decision"],
        canonical=d["canonical"] or "",
        decided_by=record.actor,
        decided_at=record.at,
        reason=d["reason"],
    )


def _apply_vocabulary_seeded(record: Record) -> None:
    d = record.data
    decided = {"decided_by": record.actor, "decided_at": record.at, "reason": ""}
    proposed = {"proposed_by": record.actor, "proposed_at": record.at, "source": d["source"]}
    for term in d["terms"]:
        _term_upsert(
            record,
            term["kind"],
            term["value"],
            status=TermStatus.APPROVED,
            canonical="",
            **proposed,
            **decided,
        )
        for alias in term["aliases"]:
            _term_upsert(
                record,
                term["kind"],
                alias,
                status=TermStatus.ALIAS,
                canonical=term["value"],
                **proposed,
                **decided,
            )


def request_code(index: int) -> str:
    """A tracing request is named by the index of its record: TR-<index>."""
    return f"TR-{index}"


def _apply_request_exported(record: Record) -> None:
    d = record.data
    TracingRequest.objects.create(
        code=request_code(record.index),
        tags=d["tags"],
        recipient=d["recipient"],
        purpose=d["purpose"],
        at=record.at,
        actor=record.actor,
    )


_TABLES = (Marking, LotMarking, Recovery, Term, TracingRequest)


def _reset() -> None:
    for model in _TABLES:
        model.objects.all().delete()


def _register(name: str, description: str, apply: kinds.Apply) -> kinds.RecordKind:
    return kinds.register(name, description=description, apply=apply)


MARKINGS_RECORDED = _register(
    "tracing.markings_recorded",
    "The markings of a weapon were recorded (the whole set, replacing any earlier one): {tag, "
    "markings: [{kind, location, text (as it reads), state, photo (SHA-256 or null)}]}.",
    _apply_markings_recorded,
)
LOT_MARKINGS_RECORDED = _register(
    "tracing.lot_markings_recorded",
    "The headstamps, box or crate labels and packing lists of an ammunition lot were recorded "
    "(the whole set): {tag, markings: [{kind, manufacturer_code, year, calibre, lot_number, "
    "text, photo}]}.",
    _apply_lot_markings_recorded,
)
RECOVERY_RECORDED = _register(
    "tracing.recovery_recorded",
    "Where and how an item, lot or materiel was recovered: {tag, lat_micro, lon_micro, place "
    "(P-code), circumstance, note}.",
    _apply_recovery_recorded,
)
PROVENANCE_RECORDED = _register(
    "tracing.provenance_recorded",
    "The armed formation an item, lot or materiel came from (kept out of its custody history): "
    "{tag, formation}.",
    _apply_provenance_recorded,
)
TERM_PROPOSED = _register(
    "tracing.term_proposed",
    "A make, model or calibre was proposed for the vocabulary: {kind, value, source}.",
    _apply_term_proposed,
)
TERM_DECIDED = _register(
    "tracing.term_decided",
    "A proposed term was decided: {kind, value, decision (approved, alias or rejected), "
    "canonical (the approved term it is another name of, for an alias), reason}.",
    _apply_term_decided,
)
VOCABULARY_SEEDED = _register(
    "tracing.vocabulary_seeded",
    "Reference terms were loaded into the vocabulary, approved: {source, terms: [{kind, value, "
    "aliases}]}.",
    _apply_vocabulary_seeded,
)
REQUEST_EXPORTED = _register(
    "tracing.request_exported",
    "A tracing request was exported (it is named TR-<this record's index>): {tags, recipient, "
    "purpose}.",
    _apply_request_exported,
)

_LABELS = [m._meta.label for m in _TABLES]
kinds.register_reset(_reset, models=_LABELS, emptied=_LABELS)
