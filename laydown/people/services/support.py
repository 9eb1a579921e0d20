"""Reinsertion support: monthly payment cycles and payments."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize, is_allowed
from laydown.access.roles import Scope
from laydown.core import validators
from laydown.ledger import services as ledger
from laydown.people import permissions as perms
from laydown.people import records, selectors
from laydown.people.models import PaymentCycle
from laydown.people.services.common import append_record
from laydown.people.vocab import CycleStatus

_CYCLE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


def _cycle_code(value: str) -> str:
    if not _CYCLE.match(value or ""):
        raise validators.refuse("cycle", _("bad month"), _("A cycle is a month, like 2026-11."))
    return value


def payment_cycle_draft(*, actor: Principal, cycle: str) -> PaymentCycle:
    """Draft (or redraft) a month's payment list by the entitlement rules (every region's
    participants: a programme-wide grant)."""
    authorize(actor, perms.PAYMENT.name, scope=Scope())
    code = _cycle_code(cycle)
    with transaction.atomic():
        existing = PaymentCycle.objects.select_for_update().filter(pk=code).first()
        if existing and existing.status == CycleStatus.APPROVED:
            raise validators.refuse(
                "cycle", _("frozen"), _("The list of %(c)s is approved and frozen.") % {"c": code}
            )
        append_record(
            records.CYCLE_DRAFTED.name,
            {"cycle": code, "lines": selectors.payment_lines(code)},
            actor,
        )
    return PaymentCycle.objects.get(pk=code)


def payment_cycle_approve(*, actor: Principal, cycle: PaymentCycle) -> PaymentCycle:
    """Approve and freeze a cycle's list; the record commits to its lines by a digest."""
    authorize(actor, perms.PAYMENT_APPROVE.name, scope=Scope())
    with transaction.atomic():
        cycle = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.DRAFT:
            raise validators.refuse("cycle", _("frozen"), _("This list is already approved."))
        lines = list(cycle.lines.order_by("participant").values_list("key", "instalment", "amount"))
        digest = hashlib.sha256(repr(lines).encode()).hexdigest()
        append_record(
            records.CYCLE_APPROVED.name,
            {"cycle": cycle.pk, "lines": len(lines), "total": cycle.total, "digest": digest},
            actor,
        )
    return PaymentCycle.objects.get(pk=cycle.pk)


def payments_record(*, actor: Principal, cycle: PaymentCycle, references: Mapping[str, str]) -> int:
    """Record payments of an approved cycle: pseudonym -> payment reference; one record each.

    Only for participants in the actor's scope: a line of another region is "not on the list"
    (as if absent), so the answer does not tell who is paid elsewhere."""
    authorize(actor, perms.PAYMENT.name)
    with transaction.atomic():
        cycle = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.APPROVED:
            raise validators.refuse(
                "cycle", _("not approved"), _("Payments follow an approved list only.")
            )
        lines = {
            line.participant_id: line
            for line in cycle.lines.filter(participant__in=list(references)).select_related(
                "participant"
            )
            if is_allowed(actor, perms.PAYMENT.name, scope=Scope(region=line.participant.region))
        }
        entries = []
        for pseudonym, reference in references.items():
            line = lines.get(pseudonym)
            if line is None:
                raise validators.refuse(
                    "participant",
                    _("not on the list"),
                    _("%(p)s is not on the list of %(c)s.") % {"p": pseudonym, "c": cycle.pk},
                )
            if line.paid_at is not None:
                raise validators.refuse(
                    "participant", _("paid"), _("%(p)s is already paid.") % {"p": pseudonym}
                )
            ref = validators.text("reference", reference, max_length=100, required=True)
            entries.append(
                (
                    records.PAID.name,
                    {
                        "cycle": cycle.pk,
                        "participant": pseudonym,
                        "amount": line.amount,
                        "reference": ref,
                    },
                )
            )
        ledger.record_append_batch(entries=entries, actor=actor_of(actor))
    return len(entries)
