"""Writes of complaints and their follow-up."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, records
from laydown.assistance.models import Complaint, Distribution
from laydown.assistance.services.common import (
    COMPLAINT_PREFIX,
    allocate_codes,
    append_record,
    known_place,
    partner_check,
)
from laydown.assistance.vocab import ComplaintChannel, ComplaintStatus
from laydown.core import validators


def complaint_open(
    *,
    actor: Principal,
    organisation: Organisation,
    place: object,
    channel: str,
    description: str,
    distribution: Distribution | None = None,
) -> Complaint:
    authorize(actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=organisation.pk)
    partner_check("organisation", organisation)
    if distribution is not None and distribution.organisation_id != organisation.pk:
        raise validators.refuse(
            "distribution", _("another partner's"), _("The distribution is another partner's.")
        )
    data = {
        "organisation": organisation.code,
        "distribution": distribution.code if distribution else None,
        "place": known_place("place", place).pcode,
        "channel": validators.choice("channel", channel, ComplaintChannel.values),
        "description": validators.text(
            "description", description, max_length=5000, required=True, multiline=True
        ),
    }
    with transaction.atomic():
        code = allocate_codes(COMPLAINT_PREFIX)[0]
        append_record(records.COMPLAINT_OPENED.name, {"complaint": code, **data}, actor)
    return Complaint.objects.get(code=code)


def complaint_follow_up(
    *, actor: Principal, complaint: Complaint, status: str, note: str
) -> Complaint:
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=complaint.organisation_id
    )
    if complaint.status == ComplaintStatus.CLOSED:
        raise validators.refuse("status", _("closed"), _("The complaint is closed."))
    data = {
        "complaint": complaint.code,
        "status": validators.choice("status", status, ComplaintStatus.values),
        "note": validators.text("note", note, max_length=5000, required=True, multiline=True),
    }
    with transaction.atomic():
        append_record(records.COMPLAINT_FOLLOWED_UP.name, data, actor)
    return Complaint.objects.get(code=complaint.code)
