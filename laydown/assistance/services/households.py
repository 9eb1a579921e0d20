"""Writes of households: members in the ledger, personal data in the vault."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, records
from laydown.assistance.models import Household
from laydown.assistance.selectors import duplicate_message, duplicates_shown, household_duplicates
from laydown.assistance.services.common import (
    VAULT_CATEGORY,
    Data,
    known_place,
    partner_check,
)
from laydown.assistance.vocab import AgeGroup, Sex, SpecificNeed
from laydown.core import validators
from laydown.core.errors import ValidationError
from laydown.core.text import bidi_controls_refuse, digits_fold, identifier_fold
from laydown.ledger import services as ledger
from laydown.ledger.models import Record
from laydown.vault import services as vault

MAX_MEMBERS = 40


class DuplicateSuspected(ValidationError):
    """The household matches earlier ones: a programme manager may register it with a reason."""

    code = "duplicate"

    def __init__(self, message: str, *, households: list[str]) -> None:
        super().__init__(message, fields={"head_name": _("possible duplicate")})
        self.households = households


def _normalised(value: str) -> str:
    folded = identifier_fold(value).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def member_check(index: int, member: Mapping[str, Any]) -> Data:
    field = f"members.{index}"
    return {
        "sex": validators.choice(f"{field}.sex", member.get("sex"), Sex.values),
        "age_group": validators.choice(
            f"{field}.age_group", member.get("age_group"), AgeGroup.values
        ),
        "specific_needs": validators.choices(
            f"{field}.specific_needs", member.get("specific_needs") or [], SpecificNeed.values
        ),
    }


@dataclass(frozen=True)
class HouseholdInput:
    """A household checked and ready to register (personal data for the vault apart)."""

    record: Data
    personal: dict[str, str]
    blind: dict[str, str]


def household_check(
    *,
    organisation: Organisation,
    place: object,
    head_name: str,
    phone: str = "",
    document: str = "",
    members: Sequence[Mapping[str, Any]],
    override_reason: str = "",
) -> HouseholdInput:
    partner_check("organisation", organisation)
    place_row = known_place("place", place)
    name = validators.text("head_name", head_name, max_length=200, required=True)
    phone = validators.text("phone", phone, max_length=40)
    if phone and not re.fullmatch(r"\+?[\d\s()-]{5,40}", phone):
        raise validators.refuse(
            "phone", _("not a phone number"), _("The phone number has letters in it.")
        )
    document = validators.text("document", document, max_length=60)
    if not members or len(members) > MAX_MEMBERS:
        raise validators.refuse(
            "members",
            _("1 to 40 members"),
            _("A household has 1 to %(max)d members, the head first.") % {"max": MAX_MEMBERS},
        )
    clean = [member_check(i, m) for i, m in enumerate(members)]
    blind = {"head": f"{_normalised(name)}|{place_row.pcode}"}
    if document:
        blind["document"] = _normalised(document)
    if phone:
        blind["phone"] = re.sub(r"\D", "", digits_fold(phone))
    record = {
        "organisation": organisation.code,
        "place": place_row.pcode,
        "members": clean,
        "duplicate_of": [],
        "override_reason": validators.text(
            "override_reason", override_reason, max_length=500, multiline=True
        ),
    }
    personal = {"head_name": name, "phone": phone, "document": document}
    bidi_controls_refuse(personal, "data")  # the vault would refuse them, after the check
    return HouseholdInput(record=record, personal=personal, blind=blind)


def _duplicate_refusal(actor: Principal, matches: list[str]) -> DuplicateSuspected:
    shown, elsewhere = duplicates_shown(actor, matches)
    return DuplicateSuspected(duplicate_message(shown, elsewhere), households=shown)


# A partner learns from a refused registration that a phone, document or head's name is
# registered by another organisation: that a person is someone else's beneficiary. The answer
# is given only after everything else is valid (so a refusal for another reason says nothing),
# each such answer is a ledger record with the registration's stated purpose, and a user who
# meets more than this many in a day is paused, whatever they send, until the day has passed.
ELSEWHERE_ANSWERS_PER_DAY = 20


class LookupsPaused(ValidationError):
    code = "lookups_paused"


def elsewhere_answers_check(actor: Principal) -> None:
    """Refuse every registration by `actor` once they met too many duplicates elsewhere in
    the last 24 hours (the refusal does not depend on what they register)."""
    since = timezone.now() - dt.timedelta(days=1)
    met = Record.objects.filter(
        kind=records.DUPLICATE_ELSEWHERE_ANSWERED.name, actor=actor_of(actor), at__gte=since
    ).count()
    if met >= ELSEWHERE_ANSWERS_PER_DAY:
        raise LookupsPaused(
            _(
                "You met %(n)d possible duplicates registered by other organisations in the "
                "last 24 hours; registering households is paused for you until the day has "
                "passed. A programme manager can register them meanwhile."
            )
            % {"n": met}
        )


def elsewhere_answer_record(
    *, actor: Principal, organisation: str, households: Sequence[str], purpose: str
) -> None:
    """Record, in its own transaction (it stays when the registration is refused), that
    `actor` was told of duplicates in other organisations. Call outside a transaction."""
    with transaction.atomic():
        ledger.record_append(
            kind=records.DUPLICATE_ELSEWHERE_ANSWERED.name,
            data={
                "organisation": organisation,
                "households": sorted(households),
                "purpose": purpose,
            },
            actor=actor_of(actor),
        )


def household_duplicates_refuse(
    *, actor: Principal, checked: HouseholdInput, purpose: str, also: Sequence[str] = ()
) -> None:
    """Raise DuplicateSuspected if `checked` matches earlier households (or `also`, matches
    found otherwise), recording the answer when some are another organisation's."""
    matches = sorted(set(household_duplicates(checked.blind)) | set(also))
    if not matches or checked.record["override_reason"]:
        return
    shown, elsewhere = duplicates_shown(actor, matches)
    if elsewhere:
        elsewhere_answer_record(
            actor=actor,
            organisation=checked.record["organisation"],
            households=[m for m in matches if m not in shown],
            purpose=purpose,
        )
    raise DuplicateSuspected(duplicate_message(shown, elsewhere), households=shown)


def household_terms_check(
    *,
    actor: Principal,
    checked: HouseholdInput,
    legal_basis: str,
    purpose: str,
    retain_until: dt.date,
) -> None:
    """Everything but the duplicate check: the vault's terms, an override's permission and the
    lookup limit, so that a refusal for any of these says nothing about duplicates."""
    vault.vault_terms_check(legal_basis=legal_basis, purpose=purpose, retain_until=retain_until)
    if checked.record["override_reason"]:
        authorize(actor, permissions.DUPLICATE_OVERRIDE.name)
    elsewhere_answers_check(actor)


def household_register(
    *,
    actor: Principal,
    organisation: Organisation,
    place: object,
    head_name: str,
    members: Sequence[Mapping[str, Any]],
    legal_basis: str,
    purpose: str,
    retain_until: dt.date,
    phone: str = "",
    document: str = "",
    override_reason: str = "",
) -> Household:
    """Register a household: its members in the ledger, its personal data in the vault."""
    authorize(actor, permissions.HOUSEHOLD_REGISTER.name, organisation_id=organisation.pk)
    checked = household_check(
        organisation=organisation,
        place=place,
        head_name=head_name,
        phone=phone,
        document=document,
        members=members,
        override_reason=override_reason,
    )
    household_terms_check(
        actor=actor,
        checked=checked,
        legal_basis=legal_basis,
        purpose=purpose,
        retain_until=retain_until,
    )
    household_duplicates_refuse(actor=actor, checked=checked, purpose=purpose)
    with transaction.atomic():
        codes = household_register_checked(
            actor=actor,
            households=[checked],
            legal_basis=legal_basis,
            purpose=purpose,
            retain_until=retain_until,
        )
    return Household.objects.get(code=codes[0])


def household_register_checked(
    *,
    actor: Principal,
    households: Sequence[HouseholdInput],
    legal_basis: str,
    purpose: str,
    retain_until: dt.date,
) -> list[str]:
    """Write checked households: vault entries first, then one batch of ledger records.

    Call inside a transaction. Refuses suspected duplicates (against the vault and within the
    batch) unless the household carries an override reason, which only managers may give.
    """
    seen: dict[tuple[str, str], str] = {}
    entries, codes = [], []
    for checked in households:
        code = "h-" + secrets.token_hex(6)
        matches = household_duplicates(checked.blind)
        matches += [seen[(f, v)] for f, v in checked.blind.items() if (f, v) in seen]
        record = {"household": code, **checked.record, "duplicate_of": sorted(set(matches))}
        if matches and not record["override_reason"]:
            raise _duplicate_refusal(actor, sorted(set(matches)))
        if record["override_reason"]:
            authorize(actor, permissions.DUPLICATE_OVERRIDE.name)
        vault.vault_write(
            principal=actor,
            action=permissions.HOUSEHOLD_REGISTER.name,
            subject=code,
            category=VAULT_CATEGORY,
            data=checked.personal,
            legal_basis=legal_basis,
            purpose=purpose,
            retain_until=retain_until,
            blind_indexes={f"household_{f}": v for f, v in checked.blind.items()},
        )
        seen.update({(f, v): code for f, v in checked.blind.items()})
        entries.append((records.HOUSEHOLD_REGISTERED.name, record))
        codes.append(code)
    ledger.record_append_batch(entries=entries, actor=actor_of(actor))
    return codes


def household_personal_data(
    *, actor: Principal, household: Household, purpose: str
) -> dict[str, object]:
    """The household's names, phone and document; the read is a ledger record with its purpose."""
    authorize(
        actor, permissions.HOUSEHOLD_PERSONAL_DATA.name, organisation_id=household.organisation_id
    )
    if not (purpose or "").strip():
        raise validators.refuse(
            "purpose",
            _("required"),
            _("State why you need this household's personal data; the reason is recorded."),
        )
    data = vault.vault_read(
        principal=actor,
        action=permissions.HOUSEHOLD_PERSONAL_DATA.name,
        subject=household.code,
        categories=[VAULT_CATEGORY],
        purpose=validators.text("purpose", purpose, max_length=200, required=True),
    )
    return data.get(VAULT_CATEGORY, {})
