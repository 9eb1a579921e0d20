"""Writes of humanitarian partners' profiles."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from laydown.access.permissions import Principal, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, records
from laydown.assistance.models import PartnerProfile
from laydown.assistance.services.common import append_record, partner_check
from laydown.assistance.vocab import PartnerKind, Sector
from laydown.core import validators


def partner_profile_set(
    *,
    actor: Principal,
    organisation: Organisation,
    partner_kind: str,
    sectors: Sequence[str],
    contact: str = "",
) -> PartnerProfile:
    authorize(actor, permissions.PARTNER_MANAGE.name, organisation_id=organisation.pk)
    partner_check("organisation", organisation)
    data = {
        "organisation": organisation.code,
        "partner_kind": validators.choice("partner_kind", partner_kind, PartnerKind.values),
        "sectors": validators.choices("sectors", list(sectors), Sector.values),
        "contact": validators.text("contact", contact, max_length=200),
    }
    with transaction.atomic():
        append_record(records.PARTNER_PROFILE_SET.name, data, actor)
    return PartnerProfile.objects.get(organisation=organisation)
