"""Writes of demobilization: registration, screening, appeals, duplicates, ID cards, support,
referrals and the data-subject rights.

Each service authorises (for the participant's region; children also need the child-protection
action), validates (a ValidationError names the field and the reason), then appends its ledger
records inside `transaction.atomic()`; the records' `apply` (records.py) changes the projection.
Personal data goes to the vault (laydown/vault) in the same transaction, never to the ledger.
A refused request for a participant is written to the refusal log (models.Refusal) before the
PermissionDenied propagates, outside the transaction that is rolled back.

One module per part of demobilization; this package re-exports their services so that callers
write `services.participant_register(...)`.
"""

from laydown.people.entitlements import RULES
from laydown.people.services.duplicates import duplicate_decide
from laydown.people.services.eligibility import (
    appeal_decide,
    appeal_lodge,
    cut_off_set,
    participant_revoke,
    participant_screen,
    suggested_decision,
)
from laydown.people.services.id_cards import id_cards_issue
from laydown.people.services.personal_data import (
    participant_correct,
    participant_erase,
    personal_data_read,
    vault_erased,
)
from laydown.people.services.referrals import referral_create, referral_follow_up
from laydown.people.services.refusals import check_access, refusal_record
from laydown.people.services.registration import Person, participant_register, person_check
from laydown.people.services.support import (
    payment_cycle_approve,
    payment_cycle_draft,
    payments_record,
)

__all__ = [
    "Person",
    "RULES",
    "appeal_decide",
    "appeal_lodge",
    "check_access",
    "cut_off_set",
    "duplicate_decide",
    "id_cards_issue",
    "participant_correct",
    "participant_erase",
    "participant_register",
    "participant_revoke",
    "participant_screen",
    "payment_cycle_approve",
    "payment_cycle_draft",
    "payments_record",
    "person_check",
    "personal_data_read",
    "referral_create",
    "referral_follow_up",
    "refusal_record",
    "suggested_decision",
    "vault_erased",
]
