"""Issue of participants' ID cards."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of
from laydown.core import validators
from laydown.ledger import services as ledger
from laydown.people import permissions as perms
from laydown.people import records
from laydown.people.models import Participant
from laydown.people.services.duplicates import refuse_if_duplicate_open
from laydown.people.services.refusals import check_access
from laydown.people.vocab import Status


def id_cards_issue(*, actor: Principal, participants: Iterable[Participant]) -> int:
    """Issue ID cards to eligible participants without open duplicate flags; one batch."""
    chosen = list(participants)
    for participant in chosen:
        check_access(actor, perms.REGISTER.name, participant)
        if participant.status != Status.ELIGIBLE:
            raise validators.refuse(
                "participant",
                _("not eligible"),
                _("%(p)s is not eligible: no ID card.") % {"p": participant.pk},
            )
        refuse_if_duplicate_open(participant)
    with transaction.atomic():
        entries = [(records.ID_CARD_ISSUED.name, {"participant": p.pk}) for p in chosen]
        ledger.record_append_batch(entries=entries, actor=actor_of(actor))
    return len(chosen)
