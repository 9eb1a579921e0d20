"""Stock checks: planning and recording."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.arms import records
from laydown.arms.models import Item, Site, StockCheck, StockCheckLine
from laydown.arms.sampling import sample_seed
from laydown.arms.services.common import CHECK_PREFIX, allocate_tags, append_record, authorize_at
from laydown.arms.vocab import ItemStatus, StockCheckKind, StockCheckStatus
from laydown.core import validators
from laydown.ledger import selectors as ledger_selectors


def stock_check_plan(*, actor: Principal, site: Site, full: bool = False) -> StockCheck:
    """Plan a stock check: a sample of at least 10% of serials per container, or a full count.

    The sample is seeded from the latest signed checkpoint (laydown.arms.sampling), so it could
    not be known before the log reached it; the check's lines list the drawn items.
    """
    authorize_at(actor, "arms.stock_check", site)
    with transaction.atomic():
        if not Item.objects.filter(site=site, status=ItemStatus.IN_STORAGE).exists():
            raise validators.refuse(
                "site",
                _("nothing to count"),
                _("No items are in storage at %(site)s.") % {"site": site.code},
            )
        (code,) = allocate_tags(CHECK_PREFIX)
        checkpoint = ledger_selectors.checkpoint_latest()
        data = {
            "check": code,
            "site": site.code,
            "kind": StockCheckKind.FULL.value if full else StockCheckKind.SAMPLE.value,
            "checkpoint_size": checkpoint.size,
            "seed": sample_seed(checkpoint_root=checkpoint.root, check_code=code),
        }
        append_record(records.STOCK_CHECK_PLANNED.name, data, actor)
    return StockCheck.objects.get(code=code)


def stock_check_record(
    *,
    actor: Principal,
    check: StockCheck,
    found: Collection[str],
    mismatches: Mapping[str, str] | None = None,
) -> StockCheck:
    """Record a count: `found` lists the tags seen; `mismatches` notes a serial, condition or
    location that differs. Every line not found, every mismatch and every tag found that was not
    on the list is flagged as a discrepancy."""
    authorize_at(actor, "arms.stock_check", check.site)
    notes = {
        tag: validators.text("mismatches", note, max_length=500, required=True)
        for tag, note in (mismatches or {}).items()
    }
    with transaction.atomic():
        check = StockCheck.objects.select_for_update().get(code=check.code)
        if check.status != StockCheckStatus.PLANNED:
            raise validators.refuse(
                "check",
                _("already counted"),
                _("Check %(code)s was counted.") % {"code": check.code},
            )
        expected = set(
            StockCheckLine.objects.filter(stock_check=check).values_list("item_id", flat=True)
        )
        unknown = sorted(set(notes) - expected)
        if unknown:
            raise validators.refuse(
                "mismatches",
                _("not on the list"),
                _("%(tags)s are not on this check's list.") % {"tags": ", ".join(unknown)},
            )
        seen = set(found)
        missing = sorted(expected - seen)
        unexpected = sorted(seen - expected)
        discrepancies = (
            [{"kind": "missing", "item": t} for t in missing]
            + [{"kind": "mismatch", "item": t, "note": n} for t, n in sorted(notes.items())]
            + [{"kind": "unexpected", "item": t} for t in unexpected]
        )
        data = {
            "check": check.code,
            "missing": missing,
            "mismatches": notes,
            "unexpected": unexpected,
            "discrepancies": discrepancies,
        }
        append_record(records.STOCK_CHECK_COUNTED.name, data, actor)
    return StockCheck.objects.get(code=check.code)
