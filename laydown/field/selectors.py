"""Reads of field capture: devices, submissions, the review queue."""

from __future__ import annotations

import uuid

from django.db.models import OuterRef, QuerySet, Subquery

from laydown.access.permissions import Principal, is_allowed
from laydown.accounts import selectors as accounts
from laydown.accounts.models import User
from laydown.field.models import Device, Submission, SubmissionStatus


def submissions_received(ids: list[str]) -> set[str]:
    """Which of the submission ids (UUIDs as text) were received before: written, waiting for
    review or rejected (a submission sent back to its clerk may come again)."""
    rows = Submission.objects.filter(id__in=[uuid.UUID(i) for i in ids]).exclude(
        status=SubmissionStatus.SENT_BACK
    )
    return {str(sid) for sid in rows.values_list("id", flat=True)}


def device_of_secret(secret: str) -> Device | None:
    """The device whose credential is `secret`, whatever its state (revoked ones too)."""
    token = accounts.token_by_secret(secret)
    if token is None:
        return None
    return Device.objects.filter(token=token.public_id).first()


def device_get(public_id: str) -> Device | None:
    return Device.objects.filter(public_id=public_id).first()


def devices_list() -> QuerySet[Device]:
    """Every enrolled device, with its user's username (`username`; None if the user is gone)."""
    owner = User.objects.filter(pseudonym=OuterRef("user")).values("username")[:1]
    return Device.objects.annotate(username=Subquery(owner))


def user_of(device: Device) -> User | None:
    return User.objects.filter(pseudonym=device.user).first()


def users_by_pseudonym(pseudonyms: list[str]) -> dict[str, User]:
    return {u.pseudonym: u for u in User.objects.filter(pseudonym__in=pseudonyms)}


def submission_get(principal: Principal, submission_id: object) -> Submission | None:
    """A submission its sender, or a reviewer, may see; None otherwise (and for a bad id)."""
    try:
        sid = uuid.UUID(str(submission_id))
    except ValueError:
        return None
    row = Submission.objects.filter(id=sid).first()
    if row is None:
        return None
    if row.actor == principal.pseudonym or is_allowed(principal, "field.review"):
        return row
    return None


def review_queue(status: str = SubmissionStatus.NEEDS_REVIEW) -> QuerySet[Submission]:
    rows = Submission.objects.exclude(status=SubmissionStatus.ACCEPTED, decided_at=None)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("received_at")
