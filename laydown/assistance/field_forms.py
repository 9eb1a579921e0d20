"""A humanitarian distribution in the offline app (laydown.field): the API's body, written by
the same service as the page and the API, for the partner of the one who sends it (or the
`partner` named)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, selectors, services  # noqa: F401  (before the API)
from laydown.assistance.api import DistributionIn
from laydown.assistance.vocab import Commodity, Sector, Unit
from laydown.core import validators
from laydown.field import kinds


def _organisation(principal: Principal, code: str) -> Organisation:
    rows = Organisation.objects.all()
    found = (
        rows.filter(code=code).first()
        if code
        else rows.filter(pk=principal.organisation_id or -1).first()
    )
    if found is None:
        raise validators.refuse(
            "partner", _("unknown organisation"), _("No organisation %(code)r.") % {"code": code}
        )
    return found


def _distribution(principal: Principal, payload: kinds.Payload, reason: str | None) -> kinds.Result:
    parsed = kinds.schema_parse(DistributionIn, payload)
    row = services.distribution_record(
        actor=principal,
        organisation=_organisation(principal, parsed.partner),
        **parsed.dict(exclude={"partner"}),
    )
    return {"code": row.code}


def _choices(choices: Any) -> list[list[str]]:
    return [[str(value), str(label)] for value, label in choices]


def vocab(principal: Principal) -> dict[str, Any]:
    return {
        "places": [[code, name] for code, name in selectors.place_choices()],
        "sectors": _choices(Sector.choices),
        "commodities": _choices(Commodity.choices),
        "assistance_units": _choices(Unit.choices),
    }


kinds.register(
    kinds.FormKind(
        "assistance.distribution",
        gettext_lazy("Distribution"),
        "assistance.distribution_record",
        _distribution,
        vocab,
        conflict_fields=frozenset({"place", "partner"}),
    )
)
