"""Writes of dialogue meetings and the commitments made at them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, records
from laydown.assistance.models import Commitment, Meeting
from laydown.assistance.services.common import (
    COMMITMENT_PREFIX,
    MEETING_PREFIX,
    Data,
    allocate_codes,
    append_record,
    known_place,
)
from laydown.assistance.vocab import CommitmentStatus, MeetingSide
from laydown.core import validators


def _participant(i: int, p: Mapping[str, Any]) -> Data:
    field = f"participants.{i}"
    return {
        "side": validators.choice(f"{field}.side", p.get("side"), MeetingSide.values),
        "organisation": validators.text(
            f"{field}.organisation", p.get("organisation"), max_length=200, required=True
        ),
        "count": validators.integer(f"{field}.count", p.get("count", 1), minimum=1, maximum=500),
        "function": validators.text(f"{field}.function", p.get("function"), max_length=200),
    }


def _commitment(c: Mapping[str, Any], meeting_date: dt.date, prefix: str = "") -> Data:
    """Clean a commitment's fields, each error naming `prefix` + the field."""
    due = validators.date(f"{prefix}due", c.get("due"))
    if due < meeting_date:
        raise validators.refuse(
            f"{prefix}due", _("before the meeting"), _("A commitment is due after its meeting.")
        )
    return {
        "text": validators.text(
            f"{prefix}text", c.get("text"), max_length=500, required=True, multiline=True
        ),
        "owner_side": validators.choice(
            f"{prefix}owner_side", c.get("owner_side"), MeetingSide.values
        ),
        "owner": validators.text(f"{prefix}owner", c.get("owner"), max_length=200, required=True),
        "due": due.isoformat(),
    }


def meeting_record(
    *,
    actor: Principal,
    organisation: Organisation,
    title: str,
    date: object,
    place: object,
    topics: Sequence[str],
    outcomes: str,
    participants: Sequence[Mapping[str, Any]],
    commitments: Sequence[Mapping[str, Any]] = (),
) -> Meeting:
    authorize(actor, permissions.DIALOGUE_MANAGE.name)
    day = validators.date("date", date, not_future=True)
    clean_topics = [validators.text("topics", t, max_length=200, required=True) for t in topics]
    if not clean_topics:
        raise validators.refuse("topics", _("required"), _("Name at least one topic."))
    if not participants:
        raise validators.refuse(
            "participants", _("required"), _("Name at least one side that took part.")
        )
    data = {
        "organisation": organisation.code,
        "title": validators.text("title", title, max_length=200, required=True),
        "date": day.isoformat(),
        "place": known_place("place", place).pcode,
        "topics": clean_topics,
        "outcomes": validators.text("outcomes", outcomes, max_length=10000, multiline=True),
        "participants": [_participant(i, p) for i, p in enumerate(participants)],
    }
    promised = [_commitment(c, day, f"commitments.{i}.") for i, c in enumerate(commitments)]
    with transaction.atomic():
        code = allocate_codes(MEETING_PREFIX)[0]
        numbers = allocate_codes(COMMITMENT_PREFIX, len(promised)) if promised else []
        data["commitments"] = [
            {"commitment": n, **c} for n, c in zip(numbers, promised, strict=True)
        ]
        append_record(records.MEETING_RECORDED.name, {"meeting": code, **data}, actor)
    return Meeting.objects.get(code=code)


def commitment_add(
    *,
    actor: Principal,
    meeting: Meeting,
    text: str,
    owner_side: str,
    owner: str,
    due: object,
) -> Commitment:
    """Add a commitment made at `meeting` (one forgotten, or agreed in its follow-up)."""
    authorize(actor, permissions.DIALOGUE_MANAGE.name)
    fields = {"text": text, "owner_side": owner_side, "owner": owner, "due": due}
    clean = _commitment(fields, meeting.date)
    with transaction.atomic():
        code = allocate_codes(COMMITMENT_PREFIX)[0]
        data = {"commitment": code, "meeting": meeting.code, **clean}
        append_record(records.COMMITMENT_ADDED.name, data, actor)
    return Commitment.objects.get(code=code)


def commitment_follow_up(
    *, actor: Principal, commitment: Commitment, status: str, note: str
) -> Commitment:
    authorize(actor, permissions.DIALOGUE_MANAGE.name)
    data = {
        "commitment": commitment.code,
        "status": validators.choice("status", status, CommitmentStatus.values),
        "note": validators.text("note", note, max_length=5000, required=True, multiline=True),
    }
    with transaction.atomic():
        append_record(records.COMMITMENT_FOLLOWED_UP.name, data, actor)
    return Commitment.objects.get(code=commitment.code)
