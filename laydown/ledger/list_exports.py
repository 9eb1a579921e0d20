"""Every "export this list", and every dataset export (/reports/export/), is a ledger record
(ledger.list_exported): who took which list or dataset, with which filter, how many rows, as
what. Registered with laydown.core.listing at start-up (the dataset view calls it through
`listing.export_record`); the operator's `laydown export` calls `record_by` itself, as the
operator at the shell ("system")."""

from __future__ import annotations

from django.http import HttpRequest

from laydown.access.permissions import actor_of
from laydown.access.web import principal_of
from laydown.core.listing import Exported
from laydown.ledger import records, services


def record(request: HttpRequest, exported: Exported) -> None:
    record_by(actor_of(principal_of(request)), exported)


def record_by(actor: str, exported: Exported) -> None:
    """The export's record, `actor` (as `access.permissions.actor_of` names one) its actor."""
    services.record_append(
        kind=records.LIST_EXPORTED.name,
        data={
            "list": exported.name,
            "format": exported.fmt,
            "filter": exported.filters,
            "rows": exported.rows,
        },
        actor=actor,
    )
