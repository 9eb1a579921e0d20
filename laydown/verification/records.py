"""Record kinds of verification and how each is applied to the projection tables."""

from __future__ import annotations

import datetime as dt

from laydown.ledger import kinds
from laydown.ledger.models import Record
from laydown.verification.models import (
    Accreditation,
    DestructionEvent,
    Finding,
    FollowUp,
    Inspection,
    InspectionStatus,
)


def _accredited(record: Record) -> None:
    d = record.data
    Accreditation.objects.create(
        code=d["accreditation"],
        observer=d["observer"],
        organisation=d["organisation"],
        vkey=d["vkey"],
        sites=d["sites"],
        valid_from=dt.date.fromisoformat(d["valid_from"]),
        valid_until=dt.date.fromisoformat(d["valid_until"]),
    )


def _accreditation_revoked(record: Record) -> None:
    Accreditation.objects.filter(code=record.data["accreditation"]).update(
        revoked_at=record.at, revoked_reason=record.data["reason"]
    )


def _planned(record: Record) -> None:
    d = record.data
    Inspection.objects.create(
        code=d["inspection"],
        sites=d["sites"],
        planned_for=dt.date.fromisoformat(d["planned_for"]),
        team=d["team"],
        sample_percent=d["sample_percent"],
        sample_count=d["sample_count"],
        status=InspectionStatus.PLANNED,
    )


def _opened(record: Record) -> None:
    d = record.data
    Inspection.objects.filter(code=d["inspection"]).update(
        status=InspectionStatus.OPEN,
        opened_by=record.actor,
        checkpoint_size=d["checkpoint_size"],
        checkpoint_root=d["checkpoint_root"],
        checkpoint_note=d["checkpoint_note"],
        nonce=d["nonce"],
        inventory_sha256=d["inventory_sha256"],
        inventory_size=d["inventory_size"],
        sample=d["sample"],
        lots=d["lots"],
    )


def _finding(record: Record) -> None:
    d = record.data
    Finding.objects.update_or_create(
        inspection_id=d["inspection"],
        tag=d["tag"],
        defaults={
            "result": d["result"],
            "mismatches": d["mismatches"],
            "counted": d["counted"],
            "notes": d["notes"],
            "photos": d["photos"],
            "record_index": record.index,
        },
    )


def _closed(record: Record) -> None:
    d = record.data
    Inspection.objects.filter(code=d["inspection"]).update(
        status=InspectionStatus.CLOSED, report=d["report"]
    )
    FollowUp.objects.bulk_create(
        FollowUp(inspection_id=d["inspection"], tag=f["tag"], summary=f["summary"])
        for f in d["follow_ups"]
    )


def _signed(record: Record) -> None:
    d = record.data
    Inspection.objects.filter(code=d["inspection"]).update(
        status=InspectionStatus.SIGNED, signed_report=d["signed_report"], signed_by=record.actor
    )


def _follow_up_resolved(record: Record) -> None:
    d = record.data
    FollowUp.objects.filter(inspection_id=d["inspection"], tag=d["tag"]).update(
        status="resolved", resolution=d["resolution"]
    )


def _destruction_planned(record: Record) -> None:
    d = record.data
    DestructionEvent.objects.create(
        code=d["destruction"],
        site=d["site"],
        method=d["method"],
        items=d["items"],
        lots=d["lots"],
        observers=d["observers"],
    )


def _destruction_done(record: Record) -> None:
    d = record.data
    DestructionEvent.objects.filter(code=d["destruction"]).update(
        status="done",
        disposal=d["disposal"],
        before_photos=d["before_photos"],
        after_photos=d["after_photos"],
        statement=d["statement"],
    )


def _countersigned(record: Record) -> None:
    d = record.data
    event = DestructionEvent.objects.get(code=d["destruction"])
    event.countersignatures = [
        *event.countersignatures,
        {"observer": record.actor, "note": d["note"]},
    ]
    event.save(update_fields=["countersignatures"])


_TABLES = (FollowUp, Finding, Inspection, DestructionEvent, Accreditation)  # children first


def _reset() -> None:
    for model in _TABLES:
        model.objects.all().delete()


def _register(name: str, description: str, apply: kinds.Apply) -> kinds.RecordKind:
    return kinds.register(name, description=description, apply=apply)


ACCREDITED = _register(
    "verification.accredited", "An observer was accredited (sites, validity, key).", _accredited
)
ACCREDITATION_REVOKED = _register(
    "verification.accreditation_revoked", "An accreditation was revoked.", _accreditation_revoked
)
PLANNED = _register("verification.inspection_planned", "An inspection was planned.", _planned)
OPENED = _register(
    "verification.inspection_opened",
    "An inspection was opened: inventory fixed at a cosigned checkpoint, nonce, sample.",
    _opened,
)
FINDING = _register(
    "verification.finding_recorded", "An inspector recorded what they found.", _finding
)
CLOSED = _register(
    "verification.inspection_closed", "An inspection was closed with its report.", _closed
)
SIGNED = _register(
    "verification.report_signed", "An observer signed an inspection report.", _signed
)
FOLLOW_UP_RESOLVED = _register(
    "verification.follow_up_resolved",
    "A discrepancy's follow-up was resolved.",
    _follow_up_resolved,
)
DESTRUCTION_PLANNED = _register(
    "verification.destruction_planned", "A monitored destruction was planned.", _destruction_planned
)
DESTRUCTION_DONE = _register(
    "verification.destruction_done",
    "A monitored destruction took place (disposal, photos, statement).",
    _destruction_done,
)
COUNTERSIGNED = _register(
    "verification.destruction_countersigned",
    "An observer present countersigned a destruction statement.",
    _countersigned,
)
_LABELS = [m._meta.label for m in _TABLES]
kinds.register_reset(_reset, models=_LABELS, emptied=_LABELS)
