"""Writes of field capture: run a submission exactly once, hold conflicts for review, decide
them, enrol and revoke devices.

Exactly once: a submission is named by the id its device made (a UUID). `submission_run` runs the
form's own service and appends `field.submission_received` in one transaction; that record's
apply inserts the submission's row, whose primary key is the id. Two uploads of one submission
may both start; the second cannot commit (the key is taken: IntegrityError rolls back its whole
transaction, or its savepoint in a group commit's batch, the form's records included) and
answers with the first's result. No check-then-insert decides: the database's key does.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize, is_allowed
from laydown.access.roles import Scope
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.accounts.models import User
from laydown.core import validators
from laydown.core.errors import LaydownError, ValidationError
from laydown.field import kinds, records
from laydown.field.models import Decision, Device, Submission, SubmissionStatus
from laydown.field.selectors import device_user_refusal
from laydown.ledger import group
from laydown.ledger import services as ledger
from laydown.vault import crypto

DEVICE_DAYS = 90  # a device's credential lives this long unless revoked before
MAX_DEVICE_DAYS = 366
MAX_PAYLOAD_BYTES = 256 * 1024


class KeyReused(ValidationError):
    """The submission id came before with another payload: it cannot name two submissions."""

    code = "key_reused"


class DeviceRefused(PermissionDenied):
    """The device's credential was revoked or has expired."""

    code = "device_revoked"


@dataclass(frozen=True)
class Outcome:
    """What an upload of a submission came to; a second upload gets the same answer."""

    submission: uuid.UUID
    form: str
    status: str  # accepted, needs_review, sent_back, rejected
    result: dict[str, Any] = field(default_factory=dict)
    problem: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    replayed: bool = False  # answered from an earlier upload, nothing written now

    @classmethod
    def of(cls, row: Submission, *, replayed: bool) -> Outcome:
        """The answer that the submission's row stands for."""
        return cls(
            submission=row.id,
            form=row.form,
            status=row.status,
            result=row.result,
            problem=row.problem,
            note=row.decision_note,
            replayed=replayed,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "submission": str(self.submission),
            "form": self.form,
            "status": self.status,
            "result": self.result,
            "problem": self.problem,
            "note": self.note,
            "replayed": self.replayed,
        }


def payload_digest(payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def submission_id_check(value: object, field_name: str = "submission") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise validators.refuse(
            field_name,
            _("not a UUID"),
            _("The submission id must be a UUID made on the device (crypto.randomUUID())."),
        ) from None


def _device_time(value: object) -> str | None:
    if value in (None, ""):
        return None
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise validators.refuse(
            "device_at", _("not a time"), _("Send the device's time as ISO 8601 with its offset.")
        ) from None
    if timezone.is_naive(when):
        raise validators.refuse(
            "device_at", _("no offset"), _("Send the device's time with its UTC offset.")
        )
    return when.isoformat()


def _earlier(sid: uuid.UUID, digest: str) -> Outcome | None:
    """The answer of an earlier upload of `sid`, or None when it may run (new, or sent back)."""
    row = Submission.objects.filter(id=sid).first()
    if row is None or row.status == SubmissionStatus.SENT_BACK:
        return None
    # A submission imported from another server's export (its row's digest is of the export's
    # columns, not of this payload) is the same submission: its earlier answer, not a refusal.
    if row.payload_sha256 != digest and "import" not in row.result:
        raise KeyReused(
            _("Submission %(id)s was received before with other content; make a new id.")
            % {"id": sid},
            fields={"submission": _("used before")},
        )
    return Outcome.of(row, replayed=True)


def _kind(form: object) -> kinds.FormKind:
    kind = kinds.get(str(form))
    if kind is None:
        names = ", ".join(k.name for k in kinds.all_kinds())
        raise validators.refuse(
            "form",
            _("unknown"),
            _("Unknown form %(form)r; one of %(names)s.")
            % {
                "form": form,
                "names": names,
            },
        )
    return kind


def problem_of(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, LaydownError):
        return {"code": exc.code, "message": exc.message, "fields": exc.fields}
    code = getattr(exc, "code", "forbidden")
    return {"code": code, "message": str(exc), "fields": {}}


def submission_run(
    *,
    actor: Principal,
    form: str,
    submission: object,
    payload: dict[str, Any],
    device: Device | None = None,
    device_at: object = None,
    hold_conflicts: bool = False,
) -> Outcome:
    """Run a submission of `form` once, whatever the number of uploads.

    Raises the form's ValidationError (the clerk corrects it and sends the same id again) or
    PermissionDenied; with `hold_conflicts` (a device's outbox), a conflict the clerk cannot
    resolve (`FormKind.is_conflict`) is held for review instead and answered `needs_review`.
    """
    kind = _kind(form)
    sid = submission_id_check(submission)
    when = _device_time(device_at)
    digest = payload_digest(payload)
    if len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise validators.refuse("payload", _("too big"), _("The submission is over 256 KiB."))
    earlier = _earlier(sid, digest)
    if earlier is not None:
        return earlier
    meta = {
        "submission": str(sid),
        "form": kind.name,
        "device": device.public_id if device else "",
        "device_at": when,
        "payload_sha256": digest,
    }
    if device is not None and (refusal := device_refusal(device)) is not None:
        return _hold(actor, kind, meta, payload, problem_of(refusal))
    try:
        result = _received(actor, kind, payload, meta)
    except IntegrityError as exc:
        return _answer_of_the_first(sid, digest, exc)
    except (ValidationError, PermissionDenied) as exc:
        # The other upload of this submission may have committed meanwhile (its weapon now
        # looks like a duplicate of this one): then this one is that one.
        if (earlier := _earlier(sid, digest)) is not None:
            return earlier
        if not (hold_conflicts and kind.is_conflict(exc)):
            raise
        return _hold(actor, kind, meta, payload, problem_of(exc))
    return Outcome(submission=sid, form=kind.name, status=SubmissionStatus.ACCEPTED, result=result)


@group.grouped
def _received(
    actor: Principal, kind: kinds.FormKind, payload: dict[str, Any], meta: dict[str, Any]
) -> kinds.Result:
    """Run the form's service and append `field.submission_received`, in one transaction: with
    group commit (laydown.ledger.group), in the committer's batch with the other uploads,
    page and API writes of this process that came meanwhile (one fsync, one checkpoint), each
    in its own savepoint; the caller is answered, or gets its error, once the batch is
    committed, so a second upload of the same id in the same batch finds the first's row when
    it asks who came first."""
    with transaction.atomic():
        result = kind.run(actor, payload, None)
        ledger.record_append(
            kind=records.SUBMISSION_RECEIVED.name,
            data={**meta, "result": result},
            actor=actor_of(actor),
        )
    return result


def submissions_imported(
    *, actor: Principal, form: str, received: list[dict[str, Any]], job: str
) -> None:
    """Note the submissions of an export's rows just written by an import job (in its
    transaction): one `field.submission_received` each, so that the same export imported
    again, or the same submission sent by a device, creates nothing new. `received` holds
    {submission, sha256, device_at} per row (laydown.core.imports.exports.Received)."""
    entries: list[ledger.Entry] = [
        (
            records.SUBMISSION_RECEIVED.name,
            {
                "submission": r["submission"],
                "form": form,
                "device": "",
                "device_at": r["device_at"],
                "payload_sha256": r["sha256"],
                "result": {"import": job},
            },
        )
        for r in received
    ]
    ledger.record_append_batch(entries=entries, actor=actor_of(actor))


def _answer_of_the_first(sid: uuid.UUID, digest: str, exc: IntegrityError) -> Outcome:
    """The other upload of `sid` committed first: answer with its result."""
    earlier = _earlier(sid, digest)
    if earlier is None:
        raise exc  # not a second upload after all: let the error through
    return earlier


def _seal(kind: kinds.FormKind, sid: uuid.UUID, payload: dict[str, Any]) -> str:
    plain = json.dumps(payload, separators=(",", ":")).encode()
    key = crypto.derived_key(b"field-submission")
    return base64.b64encode(crypto.seal(key, plain, f"submission:{sid}".encode())).decode()


def payload_open(row: Submission) -> dict[str, Any]:
    """The payload of a held submission (a call that shows it to a person is recorded by the
    caller's decision)."""
    if not row.payload:
        return {}
    key = crypto.derived_key(b"field-submission")
    plain = crypto.unseal(key, base64.b64decode(row.payload), f"submission:{row.id}".encode())
    opened: dict[str, Any] = json.loads(plain)
    return opened


def scope_of(kind: kinds.FormKind, payload: dict[str, Any]) -> Scope:
    """Where a submission of `kind` happens, by its payload (`Scope()` if it cannot tell)."""
    try:
        return kind.scope(payload)
    except Exception:  # a payload it cannot read waits for a programme-wide reviewer
        return Scope()


def submission_scope(row: Submission) -> Scope:
    return Scope(site=row.site or None, region=row.region or None)


def _hold(
    actor: Principal,
    kind: kinds.FormKind,
    meta: dict[str, Any],
    payload: dict[str, Any],
    problem: dict[str, Any],
) -> Outcome:
    sid = uuid.UUID(meta["submission"])
    where = scope_of(kind, payload)
    try:
        with transaction.atomic():
            ledger.record_append(
                kind=records.SUBMISSION_HELD.name,
                data={
                    **meta,
                    "problem": problem,
                    "site": (where.site or "")[:40],
                    "region": (where.region or "")[:80],
                },
                actor=actor_of(actor),
            )
            Submission.objects.filter(id=sid).update(payload=_seal(kind, sid, payload))
    except IntegrityError as exc:
        return _answer_of_the_first(sid, meta["payload_sha256"], exc)
    return Outcome(
        submission=sid, form=kind.name, status=SubmissionStatus.NEEDS_REVIEW, problem=problem
    )


def submission_decide(
    *, actor: Principal, submission: Submission, decision: str, note: str
) -> Submission:
    """Decide a held submission: accept it (the form's service runs now, as `actor`, with
    `note` as the reason, e.g. why a suspected duplicate is another weapon), send it back to
    the clerk with `note`, or reject it. A refusal of the accepted write changes nothing.
    A field supervisor decides only the submissions held at their sites and regions."""
    authorize(actor, "field.review", scope=submission_scope(submission))
    decision = validators.choice("decision", decision, Decision.values)
    note = validators.text("note", note, max_length=500, required=True, multiline=True)
    with transaction.atomic():
        row = Submission.objects.select_for_update().get(id=submission.id)
        authorize(actor, "field.review", scope=submission_scope(row))
        if row.status != SubmissionStatus.NEEDS_REVIEW:
            raise validators.refuse(
                "decision",
                _("decided"),
                _("This submission is %(status)s: nothing waits for a decision.")
                % {"status": row.get_status_display()},
            )
        result: dict[str, Any] = {}
        if decision == Decision.ACCEPT:
            result = _kind(row.form).run(actor, payload_open(row), note)
        ledger.record_append(
            kind=records.SUBMISSION_DECIDED.name,
            data={"submission": str(row.id), "decision": decision, "note": note, "result": result},
            actor=actor_of(actor),
        )
        if decision != Decision.SEND_BACK:
            Submission.objects.filter(id=row.id).update(payload="")
    return Submission.objects.get(id=row.id)


# ---- devices -------------------------------------------------------------------------------


def device_refusal(device: Device) -> DeviceRefused | None:
    """Why the device may no longer write, or None."""
    if device.revoked_at is not None:
        return DeviceRefused(
            _(
                "This device was revoked on %(date)s: its submissions are kept for a supervisor "
                "to review, nothing more is written from it. Ask your supervisor to enrol it again."
            )
            % {"date": device.revoked_at.date().isoformat()}
        )
    if device.expires_at <= timezone.now():
        return DeviceRefused(
            _(
                "This device's enrolment expired on %(date)s: its submissions are kept for a "
                "supervisor to review. Ask your supervisor to enrol it again."
            )
            % {"date": device.expires_at.date().isoformat()}
        )
    return None


def field_actions(user: User) -> list[str]:
    """The form actions `user`'s roles allow: what a device enrolled for them may do."""
    principal = principal_for_user(user)
    wanted = {a for k in kinds.all_kinds() for a in (k.action, *k.needs)}
    return sorted(a for a in wanted if is_allowed(principal, a))


def device_enrol(
    *, actor: Principal, user: User, name: str, days: int = DEVICE_DAYS
) -> tuple[Device, str]:
    """Enrol a device for `user`; return it with its credential's secret (shown once, as a QR
    code). The credential is an API token of `user` limited to their field actions."""
    authorize(actor, "field.device_manage")
    name = validators.text("name", name, max_length=100, required=True)
    days = validators.integer("days", days, minimum=1, maximum=MAX_DEVICE_DAYS)
    actions = field_actions(user)
    if not user.is_active or not actions:
        raise validators.refuse(
            "user",
            _("no field role"),
            _("%(user)s has no role that registers anything in the field.") % {"user": user},
        )
    if (refusal := device_user_refusal(actor, user)) is not None:
        raise refusal
    public_id = secrets.token_hex(6)
    with transaction.atomic():
        token, secret = accounts.token_issue_for(
            actor=actor,
            action="field.device_manage",
            user=user,
            name=_("device %(name)s") % {"name": name},
            actions=["field.sync", *actions],
            days=days,
        )
        ledger.record_append(
            kind=records.DEVICE_ENROLLED.name,
            data={
                "device": public_id,
                "user": user.pseudonym,
                "token": token.public_id,
                "name": name,
                "expires_at": token.expires_at.isoformat(),
            },
            actor=actor_of(actor),
        )
    return Device.objects.get(public_id=public_id), secret


def device_revoke(*, actor: Principal, device: Device, reason: str) -> Device:
    """Revoke a device and its token: what it sends from now on is refused and held for review."""
    authorize(actor, "field.device_manage")
    reason = validators.text("reason", reason, max_length=500, required=True)
    owner = User.objects.filter(pseudonym=device.user).first()
    if (refusal := device_user_refusal(actor, owner)) is not None:
        raise refusal
    with transaction.atomic():
        row = Device.objects.select_for_update().get(pk=device.pk)
        if row.revoked_at is not None:
            raise validators.refuse("device", _("revoked"), _("This device is revoked already."))
        accounts.token_withdraw(actor=actor, action="field.device_manage", public_id=row.token)
        ledger.record_append(
            kind=records.DEVICE_REVOKED.name,
            data={"device": row.public_id, "reason": reason},
            actor=actor_of(actor),
        )
    return Device.objects.get(pk=device.pk)


def device_key(device: Device) -> bytes:
    """The 256-bit key the device encrypts its outbox with: derived from the master key and the
    device's id, so nothing to store; handed out only while the device is enrolled."""
    refusal = device_refusal(device)
    if refusal is not None:
        raise refusal
    return crypto.derived_key(b"field-device-outbox:" + device.public_id.encode())


def device_pin_key(device: Device) -> bytes:
    """The 256-bit key the device mixes into the key it derives from its PIN (HMAC over the
    PIN's PBKDF2), so that the PIN alone opens nothing; handed out like `device_key`."""
    refusal = device_refusal(device)
    if refusal is not None:
        raise refusal
    return crypto.derived_key(b"field-device-pin:" + device.public_id.encode())


def field_actions_of(principal: Principal) -> set[str]:
    return {k.action for k in kinds.all_kinds() if is_allowed(principal, k.action)}
