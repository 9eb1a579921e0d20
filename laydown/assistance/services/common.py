"""What every assistance service shares: codes, the ledger append, the partner and place checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of
from laydown.access.roles import OrgKind
from laydown.accounts.models import Organisation
from laydown.assistance.models import CodeCounter, Place
from laydown.core import validators
from laydown.ledger import services as ledger
from laydown.ledger.models import Record

Data = dict[str, Any]
DISTRIBUTION_PREFIX, COMPLAINT_PREFIX, PROJECT_PREFIX = "DI", "CO", "PR"
MEETING_PREFIX, COMMITMENT_PREFIX, VISIT_PREFIX = "DM", "CM", "MV"
MAX_QUANTITY = 10**12
VAULT_CATEGORY = "household_identity"


def append_record(kind: str, data: Mapping[str, Any], actor: Principal) -> Record:
    return ledger.record_append(kind=kind, data=data, actor=actor_of(actor))


def allocate_codes(prefix: str, count: int = 1) -> list[str]:
    """The next `count` codes of `prefix`, gap-free. Call inside the transaction that appends
    the records using them: the counter row stays locked until it commits; `apply` advances it.
    """
    CodeCounter.objects.get_or_create(prefix=prefix)
    last = CodeCounter.objects.select_for_update().get(prefix=prefix).last
    return [f"{prefix}-{n:06d}" for n in range(last + 1, last + count + 1)]


def partner_check(field: str, organisation: Organisation) -> Organisation:
    if organisation.kind != OrgKind.HUMANITARIAN_PARTNER:
        raise validators.refuse(
            field,
            _("not a humanitarian partner"),
            _("%(org)s is not a humanitarian partner organisation.") % {"org": organisation.name},
        )
    return organisation


def project_owner_check(field: str, organisation: Organisation) -> Organisation:
    """A project belongs to a humanitarian partner, or to the programme's operator itself."""
    if organisation.kind == OrgKind.OPERATOR:
        return organisation
    return partner_check(field, organisation)


def known_place(field: str, value: object) -> Place:
    pcode = "" if value is None else str(getattr(value, "pcode", value)).strip().upper()
    place = Place.objects.filter(pcode=pcode).first()
    if place is None:
        raise validators.refuse(
            field,
            _("unknown place"),
            _("There is no place with P-code %(p)r.") % {"p": pcode},
        )
    return place
