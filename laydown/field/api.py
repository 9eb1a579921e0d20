"""Field capture in the API: a device's outbox sync, its key and vocabularies, device
enrolment, the review queue, and `idempotent` for the create operations of the field forms.

A device authenticates with its own credential (`Authorization: Bearer ldt_…`, handed over by
the enrolment QR code). A revoked or expired device is still heard at `POST
/field/submissions`: what it sends is kept for review and answered `needs_review` with the
reason, never lost; everywhere else its credential is refused like any revoked token.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer
from ninja.utils import contribute_operation_callback

from laydown.access.permissions import Principal, authorize
from laydown.access.web import principal_for_user
from laydown.accounts.api_auth import api_action, principal
from laydown.accounts.models import User
from laydown.core.api_errors import document_errors
from laydown.core.errors import ValidationError
from laydown.field import kinds, permissions, selectors, services  # noqa: F401  (actions first)
from laydown.field.models import Device, Submission, SubmissionStatus

router = Router(tags=["field"])
F = TypeVar("F", bound=Callable[..., Any])
NAMESPACE = uuid.UUID("5d0c8d52-5f38-4a57-9a49-9a6f0c1f2a11")  # for keys that are no UUID


class DeviceBearer(HttpBearer):
    """A device's credential, revoked or expired ones included: its uploads are held for
    review. Any other token is left to the usual authentication that follows."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        device = selectors.device_of_secret(token.strip())
        user = selectors.user_of(device) if device is not None else None
        if device is None or user is None or not user.is_active:
            return None
        request._field_device = device  # type: ignore[attr-defined]
        actions = {"field.sync"}
        if services.device_refusal(device) is None:
            actions |= set(services.field_actions(user))
        found = principal_for_user(user, token_actions=frozenset(actions))
        request._laydown_principal = found  # type: ignore[attr-defined]
        authorize(found, self.action)
        return found


def heard_from_devices(func: F) -> F:
    """Put above `@api_action(...)`: the operation hears revoked devices too (see above)."""

    def add_device_auth(operation: Any) -> None:
        action = func.laydown_action  # type: ignore[attr-defined]
        operation.auth_param = [DeviceBearer(action), *operation.auth_param]
        operation._set_auth(operation.auth_param)

    contribute_operation_callback(func, add_device_auth)
    return func


def device_of(request: HttpRequest) -> Device | None:
    found = getattr(request, "_field_device", None)
    return found if isinstance(found, Device) else None


def idempotent(request: HttpRequest, form: str, payload: dict[str, Any]) -> services.Outcome | None:
    """Run a create operation of `form` once per `Idempotency-Key` (a UUID, or any other key,
    which is then scoped to the caller); None without the header. `X-Device-Time` (ISO 8601)
    is kept as the device's clock."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if len(key) > 255:
        raise ValidationError(
            _("The Idempotency-Key is over 255 characters."), fields={"Idempotency-Key": "too long"}
        )
    actor = principal(request)
    payload = json.loads(json.dumps(payload, default=str))  # dates as the API reads them
    try:
        sid = uuid.UUID(key)
    except ValueError:
        sid = uuid.uuid5(NAMESPACE, f"{actor.pseudonym}:{key}")
    return services.submission_run(
        actor=actor,
        form=form,
        submission=sid,
        payload=payload,
        device=device_of(request),
        device_at=request.headers.get("X-Device-Time") or None,
    )


# ---- schemas -------------------------------------------------------------------------------


class SubmissionIn(Schema):
    id: str = Field(description="the id the device made for this submission (a UUID)")
    form: str = Field(
        description="arms.weapon, arms.lot, arms.materiel, people.registration, "
        "assistance.distribution"
    )
    device_at: str | None = Field(None, description="the device's clock, ISO 8601 with offset")
    payload: dict[str, Any] = Field(description="the body of the form's create operation")


class SubmissionOut(Schema):
    submission: str
    form: str
    status: str = Field(description="accepted, needs_review, sent_back or rejected")
    result: dict[str, Any] = Field(description="what the write made, e.g. {'tag': 'W-000001'}")
    problem: dict[str, Any] = Field(description="why it waits for review: {code, message, fields}")
    note: str = Field(description="the supervisor's reason or note, once decided")
    replayed: bool = Field(description="answered from an earlier upload: nothing written now")


class DeviceOut(Schema):
    device: str
    name: str
    user: str
    expires_at: dt.datetime
    key: str = Field(description="the outbox key, 32 bytes base64 (AES-256-GCM)")
    pin_key: str = Field(
        description="32 bytes base64: the HMAC key over the PIN's PBKDF2 that wraps the outbox key"
    )


class VocabOut(Schema):
    forms: list[list[str]] = Field(description="[name, label] of the forms you may fill")
    values: dict[str, Any]


class EnrolIn(Schema):
    user: str = Field(description="the username of the device's user")
    name: str = Field(description="what the device is, e.g. 'tablet 3, Gori tent'")
    days: int = services.DEVICE_DAYS


class EnrolledOut(Schema):
    device: str
    secret: str = Field(
        description="the device's credential, shown once (as a QR code on the page)"
    )
    expires_at: dt.datetime


class DeviceListOut(Schema):
    device: str = Field(alias="public_id")
    name: str
    user: str
    enrolled_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class RevokeIn(Schema):
    reason: str


class HeldOut(Schema):
    submission: str
    form: str
    actor: str
    device: str
    device_at: dt.datetime | None
    received_at: dt.datetime
    status: str
    problem: dict[str, Any]
    note: str


class HeldDetailOut(HeldOut):
    payload: dict[str, Any]


class DecisionIn(Schema):
    decision: str = Field(description="accept, send_back or reject")
    note: str = Field(description="the reason (accept, reject) or the note to the clerk")


def _held(row: Submission) -> dict[str, Any]:
    return {
        "submission": str(row.id),
        "form": row.form,
        "actor": row.actor,
        "device": row.device,
        "device_at": row.device_at,
        "received_at": row.received_at,
        "status": row.status,
        "problem": row.problem,
        "note": row.decision_note,
    }


# ---- a device's outbox ---------------------------------------------------------------------


@router.post(
    "/field/submissions",
    response={200: SubmissionOut, 201: SubmissionOut, 202: SubmissionOut},
    url_name="field_submission_sync",
)
@heard_from_devices
@api_action("field.sync")
def submission_sync(request: HttpRequest, payload: SubmissionIn) -> Status[Any]:
    """Send one submission of the outbox; sending it again (same id) writes nothing and answers
    as the first time. 201 written now, 200 answered from before, 202 held for review (a
    conflict: a duplicate serial, a site closed, a permission or the device revoked); 422 a field
    to correct before sending the same id again."""
    outcome = services.submission_run(
        actor=principal(request),
        form=payload.form,
        submission=payload.id,
        payload=payload.payload,
        device=device_of(request),
        device_at=payload.device_at,
        hold_conflicts=True,
    )
    status = 202 if outcome.status == SubmissionStatus.NEEDS_REVIEW else 201
    return Status(200 if outcome.replayed else status, outcome.as_dict())


@router.get("/field/submissions/{sid}", response=SubmissionOut, url_name="field_submission_detail")
@heard_from_devices
@api_action("field.sync")
def submission_detail(request: HttpRequest, sid: str) -> dict[str, Any]:
    """Where a submission stands (its sender's, or any for a reviewer)."""
    row = selectors.submission_get(principal(request), sid)
    if row is None:
        raise Http404(_("No submission %(id)s of yours.") % {"id": sid})
    return services.Outcome.of(row, replayed=True).as_dict()


def answers_404(func: F) -> F:
    """Document 404 for an operation that takes no parameter but may answer it."""
    contribute_operation_callback(func, lambda operation: document_errors(operation, extra=(404,)))
    return func


@router.get("/field/device", response=DeviceOut, url_name="field_device_self")
@answers_404
@api_action("field.sync")
def device_self(request: HttpRequest) -> dict[str, Any]:
    """The calling device and its outbox key (only with the device's own, valid credential)."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    device = selectors.device_of_secret(token)
    if device is None:
        raise Http404(_("This credential is not a device's: enrol the device by its QR code."))
    key = services.device_key(device)
    return {
        "device": device.public_id,
        "name": device.name,
        "user": device.user,
        "expires_at": device.expires_at,
        "key": base64.b64encode(key).decode(),
        "pin_key": base64.b64encode(services.device_pin_key(device)).decode(),
    }


@router.get("/field/vocab", response=VocabOut, url_name="field_vocab")
@api_action("field.sync")
def vocab(request: HttpRequest) -> dict[str, Any]:
    """The forms you may fill and the lists of values they need offline."""
    found = principal(request)
    values: dict[str, Any] = {}
    forms = []
    for kind in kinds.all_kinds():
        if kind.action in services.field_actions_of(found):
            forms.append([kind.name, str(kind.label)])
            values.update(kind.vocab(found))
    return {"forms": forms, "values": values}


# ---- devices -------------------------------------------------------------------------------


@router.post("/field/devices", response={201: EnrolledOut}, url_name="field_device_enrol")
@api_action("field.device_manage")
def device_enrol(request: HttpRequest, payload: EnrolIn) -> Status[Any]:
    """Enrol a device for a user; the answer holds its credential, once."""
    user = User.objects.filter(username=payload.user).first()
    if user is None:
        raise ValidationError(_("No user %(u)r.") % {"u": payload.user}, fields={"user": "unknown"})
    device, secret = services.device_enrol(
        actor=principal(request), user=user, name=payload.name, days=payload.days
    )
    return Status(
        201, {"device": device.public_id, "secret": secret, "expires_at": device.expires_at}
    )


@router.get("/field/devices", response=list[DeviceListOut], url_name="field_device_list")
@api_action("field.device_manage")
def device_list(request: HttpRequest) -> list[Device]:
    """The devices you manage: every one with a programme grant, else those of the users who
    work at your sites and regions."""
    return list(selectors.devices_list(principal(request))[:500])


@router.post(
    "/field/devices/{device}/revocation", response=DeviceListOut, url_name="field_device_revoke"
)
@api_action("field.device_manage")
def device_revoke(request: HttpRequest, device: str, payload: RevokeIn) -> Device:
    """Revoke a device: its credential stops working; what it still sends is held for review."""
    row = selectors.device_get(device)
    if row is None:
        raise Http404(_("No device %(d)s.") % {"d": device})
    return services.device_revoke(actor=principal(request), device=row, reason=payload.reason)


# ---- the review queue ----------------------------------------------------------------------


@router.get("/field/review", response=list[HeldOut], url_name="field_review_list")
@api_action("field.review")
def review_list(request: HttpRequest, status: str = SubmissionStatus.NEEDS_REVIEW) -> list[Any]:
    """Submissions held at sync, oldest first (status: needs_review, sent_back, rejected); a
    field supervisor's are those of their sites and regions."""
    rows = selectors.review_queue(status, principal=principal(request))
    return [_held(row) for row in rows[:500]]


@router.get("/field/review/{sid}", response=HeldDetailOut, url_name="field_review_detail")
@api_action("field.review")
def review_detail(request: HttpRequest, sid: str) -> dict[str, Any]:
    row = selectors.submission_by_id(sid)
    if row is None:
        raise Http404(_("No submission %(id)s.") % {"id": sid})
    authorize(principal(request), "field.review", scope=services.submission_scope(row))
    return {**_held(row), "payload": services.payload_open(row)}


@router.post("/field/review/{sid}/decision", response=HeldOut, url_name="field_review_decide")
@api_action("field.review")
def review_decide(request: HttpRequest, sid: str, payload: DecisionIn) -> dict[str, Any]:
    """Accept (the write runs now, as you, with the note as its reason), send back, or reject."""
    row = selectors.submission_by_id(sid)
    if row is None:
        raise Http404(_("No submission %(id)s.") % {"id": sid})
    authorize(principal(request), "field.review", scope=services.submission_scope(row))
    decided = services.submission_decide(
        actor=principal(request), submission=row, decision=payload.decision, note=payload.note
    )
    return _held(decided)
