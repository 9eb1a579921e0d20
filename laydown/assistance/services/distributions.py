"""Writes of distributions (5W), their recipient lists and monitoring notes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, records
from laydown.assistance.models import Distribution, DistributionRecipient, Household
from laydown.assistance.services.common import (
    DISTRIBUTION_PREFIX,
    MAX_QUANTITY,
    Data,
    allocate_codes,
    append_record,
    known_place,
    partner_check,
)
from laydown.assistance.vocab import REACHED_FIELDS, Commodity, Sector, Unit
from laydown.core import validators
from laydown.core.errors import ValidationError, refusal_of
from laydown.ledger import services as ledger


def distribution_check(fields: Mapping[str, Any]) -> Data:
    """Clean the 5W fields of a distribution (all but organisation and code). Every problem is
    reported at once (`refusal_of`), a check that needs other fields only when they are good."""
    data: Data = {}
    problems: list[ValidationError] = []

    def check(name: str, clean: Callable[[], Any]) -> None:
        try:
            data[name] = clean()
        except ValidationError as exc:
            problems.append(exc)

    def refuse(name: str, reason: str, message: str) -> None:
        problems.append(validators.refuse(name, reason, message))

    check("sector", lambda: validators.choice("sector", fields.get("sector"), Sector.values))
    check(
        "activity",
        lambda: validators.text("activity", fields.get("activity"), max_length=200, required=True),
    )
    check(
        "commodity",
        lambda: validators.choice("commodity", fields.get("commodity"), Commodity.values),
    )
    check(
        "item", lambda: validators.text("item", fields.get("item"), max_length=120, required=True)
    )
    check("unit", lambda: validators.choice("unit", fields.get("unit"), Unit.values))
    check("place", lambda: known_place("place", fields.get("place")).pcode)
    check(
        "date",
        lambda: validators.date("date", fields.get("date"), not_future=True).isoformat(),
    )
    for name in ("quantity_planned", "quantity_delivered"):
        check(name, partial(validators.integer, name, fields.get(name), maximum=MAX_QUANTITY))
    check(
        "over_delivery_reason",
        lambda: validators.text(
            "over_delivery_reason",
            fields.get("over_delivery_reason"),
            max_length=500,
            multiline=True,
        ),
    )
    quantities = ("quantity_planned", "quantity_delivered", "over_delivery_reason")
    if all(name in data for name in quantities):
        if data["quantity_delivered"] > data["quantity_planned"] and not data[quantities[2]]:
            refuse(
                "over_delivery_reason",
                _("required when delivered exceeds planned"),
                _(
                    "%(delivered)d delivered is more than the %(planned)d planned: say why, or "
                    "correct the quantities."
                )
                % {"delivered": data["quantity_delivered"], "planned": data["quantity_planned"]},
            )
    for name in REACHED_FIELDS:
        check(name, partial(validators.integer, name, fields.get(name) or 0))
    total = fields.get("reached_total")
    if total not in (None, ""):
        check("reached_total", lambda: validators.integer("reached_total", total))
    check(
        "reached_disabled",
        lambda: validators.integer("reached_disabled", fields.get("reached_disabled") or 0),
    )
    if all(name in data for name in REACHED_FIELDS):
        added = sum(data[name] for name in REACHED_FIELDS)
        data.setdefault("reached_total", added if total in (None, "") else None)
        stated = data["reached_total"]
        if stated is not None and stated != added:
            refuse(
                "reached_total",
                _("does not add up"),
                _(
                    "People reached (%(total)d) must equal girls + boys + women + men + older "
                    "women + older men (%(sum)d): correct the total or the disaggregation."
                )
                % {"total": stated, "sum": added},
            )
        # more than the total and the sum both (whichever is right) is wrong either way
        most = max(added, stated or 0)
        if "reached_disabled" in data and data["reached_disabled"] > most:
            refuse(
                "reached_disabled",
                _("more than reached"),
                _(
                    "People with disabilities reached (%(d)d) cannot exceed all people reached "
                    "(%(t)d)."
                )
                % {"d": data["reached_disabled"], "t": most},
            )
    if "reached_disabled" in data:  # the record's fields in their usual order
        data["reached_disabled"] = data.pop("reached_disabled")
    if problems:
        raise problems[0] if len(problems) == 1 else refusal_of(problems)
    return data


def distribution_record(
    *, actor: Principal, organisation: Organisation, **fields: Any
) -> Distribution:
    authorize(actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=organisation.pk)
    partner_check("organisation", organisation)
    data = distribution_check(fields)
    with transaction.atomic():
        code = allocate_codes(DISTRIBUTION_PREFIX)[0]
        entry = {"distribution": code, "organisation": organisation.code, **data}
        append_record(records.DISTRIBUTION_RECORDED.name, entry, actor)
    return Distribution.objects.get(code=code)


def distributions_append(
    *, actor: Principal, rows: Sequence[tuple[Organisation, Data]]
) -> list[str]:
    """Record checked distributions (from `distribution_check`) in one ledger batch.

    The importer and the demo use it; call it inside the caller's transaction so the batch and
    everything checked before it commit together.
    """
    for organisation, _data in rows:
        authorize(actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=organisation.pk)
        partner_check("organisation", organisation)
    with transaction.atomic():  # the code counter stays locked until the batch commits
        codes = allocate_codes(DISTRIBUTION_PREFIX, len(rows)) if rows else []
        entries = [
            (
                records.DISTRIBUTION_RECORDED.name,
                {"distribution": code, "organisation": org.code, **data},
            )
            for code, (org, data) in zip(codes, rows, strict=True)
        ]
        ledger.record_append_batch(entries=entries, actor=actor_of(actor))
    return codes


def distribution_correct(
    *, actor: Principal, distribution: Distribution, reason: str, **fields: Any
) -> Distribution:
    """Correct a distribution's figures; fields not given keep their values."""
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=distribution.organisation_id
    )
    current = {name: getattr(distribution, name) for name in records.DISTRIBUTION_FIELDS}
    current.update(place=distribution.place_id, date=distribution.date)
    data = distribution_check({**current, **fields})
    reason = validators.text("reason", reason, max_length=500, required=True, multiline=True)
    with transaction.atomic():
        Distribution.objects.select_for_update().get(code=distribution.code)
        entry = {"distribution": distribution.code, **data, "reason": reason}
        append_record(records.DISTRIBUTION_CORRECTED.name, entry, actor)
    return Distribution.objects.get(code=distribution.code)


def recipients_list(
    *, actor: Principal, distribution: Distribution, households: Sequence[str]
) -> int:
    """Put households on the recipient list; returns how many were added."""
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=distribution.organisation_id
    )
    wanted = sorted({h.strip() for h in households if h.strip()})
    known = set(
        Household.objects.filter(
            code__in=wanted, organisation_id=distribution.organisation_id
        ).values_list("code", flat=True)
    )
    unknown = [h for h in wanted if h not in known]
    if unknown or not wanted:
        raise validators.refuse(
            "households",
            _("unknown household"),
            _("Not households of this partner: %(codes)s.") % {"codes": ", ".join(unknown) or "—"},
        )
    listed = set(
        DistributionRecipient.objects.filter(distribution=distribution).values_list(
            "household_id", flat=True
        )
    )
    new = [h for h in wanted if h not in listed]
    if new:
        with transaction.atomic():
            data = {"distribution": distribution.code, "households": new}
            append_record(records.RECIPIENTS_LISTED.name, data, actor)
    return len(new)


def monitoring_note_add(
    *,
    actor: Principal,
    distribution: Distribution,
    note: str,
    satisfied_percent: int | None = None,
) -> None:
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=distribution.organisation_id
    )
    data = {
        "distribution": distribution.code,
        "note": validators.text("note", note, max_length=5000, required=True, multiline=True),
        "satisfied_percent": validators.optional_integer(
            "satisfied_percent", satisfied_percent, minimum=0, maximum=100
        ),
    }
    with transaction.atomic():
        append_record(records.MONITORING_NOTE_ADDED.name, data, actor)
