"""Referrals of participants to services, and their follow-up."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from laydown.access.permissions import Principal
from laydown.core import validators
from laydown.people import permissions as perms
from laydown.people import records
from laydown.people.models import Participant, Referral
from laydown.people.services.common import append_record
from laydown.people.services.refusals import check_access
from laydown.people.vocab import ReferralKind, ReferralStatus


def referral_create(
    *,
    actor: Principal,
    participant: Participant,
    kind: str,
    service: str,
    note: str = "",
    follow_up_due: dt.date | None = None,
) -> Referral:
    check_access(actor, perms.REFERRAL.name, participant)
    kind = validators.choice("kind", kind, ReferralKind.values)
    service = validators.text("service", service, max_length=200, required=True)
    note = validators.text("note", note, max_length=1000, multiline=True)
    with transaction.atomic():
        rec = append_record(
            records.REFERRED.name,
            {
                "participant": participant.pk,
                "kind": kind,
                "service": service,
                "note": note,
                "follow_up_due": follow_up_due.isoformat() if follow_up_due else None,
            },
            actor,
        )
    return Referral.objects.get(pk=records.code_of("RF", rec))


def referral_follow_up(
    *,
    actor: Principal,
    referral: Referral,
    status: str,
    note: str = "",
    next_due: dt.date | None = None,
) -> Referral:
    check_access(actor, perms.REFERRAL.name, referral.participant)
    status = validators.choice("status", status, ReferralStatus.values)
    note = validators.text("note", note, max_length=1000, multiline=True)
    with transaction.atomic():
        append_record(
            records.FOLLOWED_UP.name,
            {
                "referral": referral.pk,
                "status": status,
                "note": note,
                "next_due": next_due.isoformat() if next_due else None,
            },
            actor,
        )
    return Referral.objects.get(pk=referral.pk)
