"""Decisions on suspected duplicate registrations."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.core import validators
from laydown.people import permissions as perms
from laydown.people import records
from laydown.people.models import DuplicateFlag, Participant
from laydown.people.services.common import append_record
from laydown.people.services.refusals import check_access
from laydown.people.vocab import DuplicateStatus


def duplicate_decide(
    *, actor: Principal, flag: DuplicateFlag, decision: str, reason: str
) -> DuplicateFlag:
    """A manager decides a suspected duplicate: `distinct` people, or the `same` person (the
    later registration becomes void)."""
    check_access(actor, perms.DECIDE.name, flag.participant)
    decision = validators.choice(
        "decision", decision, [DuplicateStatus.DISTINCT, DuplicateStatus.SAME]
    )
    reason = validators.text("reason", reason, max_length=500, required=True, multiline=True)
    with transaction.atomic():
        flag = DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.status != DuplicateStatus.OPEN:
            raise validators.refuse(
                "flag", _("decided"), _("This suspected duplicate is already decided.")
            )
        append_record(
            records.DUPLICATE_DECIDED.name,
            {"flag": flag.pk, "decision": decision, "reason": reason},
            actor,
        )
    return DuplicateFlag.objects.get(pk=flag.pk)


def refuse_if_duplicate_open(participant: Participant) -> None:
    if participant.duplicate_flags.filter(status=DuplicateStatus.OPEN).exists():
        raise validators.refuse(
            "participant",
            _("possible duplicate"),
            _("%(p)s may be registered twice: a manager must decide first.")
            % {"p": participant.pk},
        )
