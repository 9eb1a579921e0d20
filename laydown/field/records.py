"""Record kinds of field capture, and how each is applied.

`field.submission_received` is appended in the same transaction as the record(s) of the form's own
service (an `arms.item_collected`...), and keeps the device's clock (`device_at`) beside the
record's own time, the time received. A refusal at sync that waits for a supervisor is
`field.submission_held`; the supervisor's decision is `field.submission_decided`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from laydown.field.models import Device, Submission, SubmissionStatus
from laydown.ledger import kinds
from laydown.ledger.models import Record


def _when(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _apply_received(record: Record) -> None:
    """Insert the submission's row; a second upload of the same id fails here, on the key, and
    its whole transaction (the form's own records included) rolls back. A submission sent back
    and sent again is updated in place."""
    d = record.data
    values = {
        "form": d["form"],
        "device": d["device"],
        "actor": record.actor,
        "device_at": _when(d["device_at"]),
        "received_at": record.at,
        "payload_sha256": d["payload_sha256"],
        "status": SubmissionStatus.ACCEPTED,
        "result": d["result"],
        "problem": {},
        "payload": "",
    }
    sid = uuid.UUID(d["submission"])
    if Submission.objects.filter(id=sid, status=SubmissionStatus.SENT_BACK).update(**values):
        return
    Submission.objects.create(id=sid, **values)


def _apply_held(record: Record) -> None:
    d = record.data
    values = {
        "form": d["form"],
        "device": d["device"],
        "actor": record.actor,
        "device_at": _when(d["device_at"]),
        "received_at": record.at,
        "payload_sha256": d["payload_sha256"],
        "status": SubmissionStatus.NEEDS_REVIEW,
        "result": {},
        "problem": d["problem"],
        "site": d.get("site", ""),  # not in records written before field supervisors
        "region": d.get("region", ""),
        "decided_at": None,
        "decided_by": "",
        "decision_note": "",
    }
    sid = uuid.UUID(d["submission"])
    if Submission.objects.filter(id=sid, status=SubmissionStatus.SENT_BACK).update(**values):
        return
    Submission.objects.create(id=sid, **values)


_DECIDED = {
    "accept": SubmissionStatus.ACCEPTED,
    "send_back": SubmissionStatus.SENT_BACK,
    "reject": SubmissionStatus.REJECTED,
}


def _apply_decided(record: Record) -> None:
    d = record.data
    Submission.objects.filter(id=uuid.UUID(d["submission"])).update(
        status=_DECIDED[d["decision"]],
        result=d["result"],
        decided_at=record.at,
        decided_by=record.actor,
        decision_note=d["note"],
    )


def _apply_device_enrolled(record: Record) -> None:
    d = record.data
    Device.objects.create(
        public_id=d["device"],
        user=d["user"],
        token=d["token"],
        name=d["name"],
        enrolled_at=record.at,
        enrolled_by=record.actor,
        expires_at=dt.datetime.fromisoformat(d["expires_at"]),
    )


def _apply_device_revoked(record: Record) -> None:
    Device.objects.filter(public_id=record.data["device"]).update(
        revoked_at=record.at, revoked_by=record.actor, revoke_reason=record.data["reason"]
    )


SUBMISSION_RECEIVED = kinds.register(
    "field.submission_received",
    description="A submission of a form was received and written by the form's service, in the "
    "same transaction: {submission (the id its device made), form, device ('' for an API "
    "caller), device_at (the device's clock, or null), payload_sha256, result (e.g. the tag)}. "
    "The record's time is the time received.",
    apply=_apply_received,
)
SUBMISSION_HELD = kinds.register(
    "field.submission_held",
    description="A submission refused at sync for a conflict (a duplicate serial, a site closed, "
    "a permission or device revoked) waits for a supervisor: {submission, form, device, "
    "device_at, payload_sha256, problem {code, message, fields}, site and region (where it "
    "happens, '' if nowhere in particular: whose review queue it is in)}.",
    apply=_apply_held,
)
SUBMISSION_DECIDED = kinds.register(
    "field.submission_decided",
    description="A supervisor decided a held submission: {submission, decision (accept, "
    "send_back or reject), note (the reason or the note to the clerk), result (of the accepted "
    "write, else {})}.",
    apply=_apply_decided,
)
DEVICE_ENROLLED = kinds.register(
    "field.device_enrolled",
    description="A device was enrolled for a user: {device, user (pseudonym), token (the public "
    "id of its API token), name, expires_at}.",
    apply=_apply_device_enrolled,
)
DEVICE_REVOKED = kinds.register(
    "field.device_revoked",
    description="A device was revoked: {device, reason}. Its token is revoked with it.",
    apply=_apply_device_revoked,
)


def _reset() -> None:
    Submission.objects.all().delete()
    Device.objects.all().delete()


_LABELS = [Submission._meta.label, Device._meta.label]
kinds.register_reset(_reset, models=_LABELS, emptied=_LABELS)
kinds.register_not_replayed(
    {
        "field.Submission.payload": "A held submission's payload may hold personal data, which "
        "never enters the log; it is kept sealed while it waits and emptied once decided. After "
        "a replay into an empty database a waiting submission shows its problem, not its fields.",
    }
)
