"""Bulk import of places, distributions and households from CSV or XLSX.

Validate everything, then import: every row is checked with the services' own `*_check`
functions; if any row is wrong, the result lists each problem (row, column, value, reason) and
nothing is written. Otherwise all rows are written in one transaction, as one ledger batch.
Row numbers are those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, services
from laydown.core import imports
from laydown.core.errors import ValidationError
from laydown.vault import services as vault

T = TypeVar("T")

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000

DISTRIBUTION_COLUMNS = (
    "partner",
    "date",
    "place",
    "sector",
    "activity",
    "commodity",
    "item",
    "unit",
    "quantity_planned",
    "quantity_delivered",
    "over_delivery_reason",
    "girls",
    "boys",
    "women",
    "men",
    "older_women",
    "older_men",
    "reached_total",
    "reached_disabled",
)
DISTRIBUTION_FORM_REQUIRED = (
    "date", "place", "sector", "activity", "commodity", "item", "unit", "quantity_planned",
    "quantity_delivered",
)  # fmt: skip
HOUSEHOLD_COLUMNS = (
    "partner",
    "place",
    "head_name",
    "phone",
    "document",
    "members",
    "override_reason",
)
PLACE_COLUMNS = ("pcode", "name", "level", "parent", "lat_micro", "lon_micro")


_KINDS = {
    "places": (PLACE_COLUMNS, ("pcode", "name", "level")),
    "distributions": (
        DISTRIBUTION_COLUMNS,
        tuple(c for c in DISTRIBUTION_COLUMNS if c not in ("partner", "over_delivery_reason")),
    ),
    "households": (HOUSEHOLD_COLUMNS, ("place", "head_name", "members")),
}


def layout_of(kind: str) -> imports.Layout:
    """The layout of an import file of `kind` (places, distributions or households)."""
    columns, required = _KINDS[kind]
    return imports.Layout(
        columns=columns,
        required=required,
        max_rows=MAX_ROWS,
        max_bytes=MAX_BYTES,
        dates=("date",) if kind == "distributions" else (),
        # the distribution form's required questions (its counts of people default to 0)
        export_required=DISTRIBUTION_FORM_REQUIRED if kind == "distributions" else None,
    )


Problem = imports.Problem
ImportRefused = imports.ImportRefused


@dataclass
class ImportResult:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_table(*, name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The non-blank rows of a CSV or XLSX file of places, numbered, by column name."""
    layout = dataclasses.replace(layout_of("places"), required=())
    table = imports.table_read(layout, name=name, content=content)
    return list(table.rows)


def _run(
    layout: imports.Layout,
    name: str,
    content: bytes,
    check: Callable[[int, dict[str, str]], T],
    write: Callable[[Sequence[T]], list[str]],
) -> ImportResult:
    """Read and check the file (a file-level refusal is raised); write only if no row has a
    problem, in one transaction."""
    try:
        checked = rows_checked(layout, name, content, check)
    except imports.HeaderRefused as exc:
        return ImportResult(problems=exc.problems)
    result = ImportResult(rows=checked.rows, problems=checked.problems)
    if not result.problems:
        result.created = imports.write_all([e for _n, e in checked.entries], write)
    return result


def rows_checked(
    layout: imports.Layout,
    name: str,
    content: bytes,
    check: Callable[[int, dict[str, str]], T],
    progress: imports.Progress = imports.no_progress,
) -> imports.Checked[T]:
    """Every row of the file checked, every problem found (a refusal of the file is raised)."""
    table = imports.table_read(layout, name=name, content=content)
    return imports.rows_check(
        table, check, reasons="message", refusal_column="partner", progress=progress
    )


def _partner_of(actor: Principal, value: object, action: str) -> Organisation:
    code = str(value or "").strip().lower()
    if not code:
        org = Organisation.objects.filter(pk=actor.organisation_id or -1).first()
    else:
        org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise ValidationError(
            _("Partner %(code)r is not an organisation's code.") % {"code": code},
            fields={"partner": _("unknown")},
        )
    authorize(actor, action, organisation_id=org.pk)
    return org


# ---- the importers -------------------------------------------------------------------------


def places_import(*, actor: Principal, name: str, content: bytes) -> ImportResult:
    return _run(layout_of("places"), name, content, places_checker(actor), places_writer(actor))


def places_checker(actor: Principal) -> Callable[[int, dict[str, str]], dict[str, Any]]:
    """A row check of a places file (places named earlier in the file count as parents)."""
    authorize(actor, permissions.PLACE_MANAGE.name)
    pending: dict[str, str] = {}

    def check(_number: int, row: dict[str, str]) -> dict[str, Any]:
        data = services.place_check(row, pending=pending)
        pending[data["pcode"]] = data["level"]
        return data

    return check


def places_writer(actor: Principal) -> Callable[[Sequence[dict[str, Any]]], list[str]]:
    def write(rows: Sequence[dict[str, Any]]) -> list[str]:
        return services.places_append(actor=actor, rows=list(rows))

    return write


def distributions_import(*, actor: Principal, name: str, content: bytes) -> ImportResult:
    check, write = distributions_checker(actor), distributions_writer(actor)
    return _run(layout_of("distributions"), name, content, check, write)


Distribution = tuple[Organisation, dict[str, Any]]


def distributions_checker(actor: Principal) -> Callable[[int, dict[str, str]], Distribution]:
    authorize(actor, permissions.IMPORT.name)

    def check(_number: int, row: dict[str, str]) -> Distribution:
        org = _partner_of(actor, row.get("partner"), permissions.DISTRIBUTION_RECORD.name)
        return org, services.distribution_check(row)

    return check


def distributions_writer(actor: Principal) -> Callable[[Sequence[Distribution]], list[str]]:
    def write(rows: Sequence[Distribution]) -> list[str]:
        return services.distributions_append(actor=actor, rows=list(rows))

    return write


def parse_members(value: object) -> list[dict[str, Any]]:
    """`f/18-59/single_caregiver; m/5-17; f/0-4` -> members, the head first.

    Each member is sex/age group, then optionally its specific needs joined by '+'.
    """
    members = []
    for index, entry in enumerate(p for p in str(value or "").split(";") if p.strip()):
        parts = [p.strip() for p in entry.split("/")]
        if len(parts) not in (2, 3):
            raise ValidationError(
                _(
                    "Member %(n)d %(entry)r: write sex/age group[/needs], as f/18-59 or "
                    "m/60+/disability; separate members with ';'."
                )
                % {"n": index + 1, "entry": entry.strip()},
                fields={f"members.{index}": _("not sex/age group")},
            )
        needs = [n for n in parts[2].split("+") if n] if len(parts) == 3 else []
        members.append({"sex": parts[0].lower(), "age_group": parts[1], "specific_needs": needs})
    return members


def households_import(
    *,
    actor: Principal,
    name: str,
    content: bytes,
    legal_basis: str,
    purpose: str,
    retain_until: dt.date,
) -> ImportResult:
    check = households_checker(
        actor, legal_basis=legal_basis, purpose=purpose, retain_until=retain_until
    )
    write = households_writer(
        actor, legal_basis=legal_basis, purpose=purpose, retain_until=retain_until
    )
    return _run(layout_of("households"), name, content, check, write)


def households_checker(
    actor: Principal, *, legal_basis: str, purpose: str, retain_until: dt.date
) -> Callable[[int, dict[str, str]], services.HouseholdInput]:
    authorize(actor, permissions.IMPORT.name)
    vault.vault_terms_check(legal_basis=legal_basis, purpose=purpose, retain_until=retain_until)
    seen: dict[tuple[str, str], int] = {}

    def check(number: int, row: dict[str, str]) -> services.HouseholdInput:
        org = _partner_of(actor, row.get("partner"), permissions.HOUSEHOLD_REGISTER.name)
        checked = services.household_check(
            organisation=org,
            place=row.get("place"),
            head_name=row.get("head_name", ""),
            phone=row.get("phone", ""),
            document=row.get("document", ""),
            members=parse_members(row.get("members")),
            override_reason=row.get("override_reason", ""),
        )
        _refuse_duplicates(actor, number, checked, seen, purpose)
        return checked

    return check


def households_writer(
    actor: Principal, *, legal_basis: str, purpose: str, retain_until: dt.date
) -> Callable[[Sequence[services.HouseholdInput]], list[str]]:
    def write(households: Sequence[services.HouseholdInput]) -> list[str]:
        return services.household_register_checked(
            actor=actor,
            households=list(households),
            legal_basis=legal_basis,
            purpose=purpose,
            retain_until=retain_until,
        )

    return write


def _refuse_duplicates(
    actor: Principal,
    number: int,
    checked: services.HouseholdInput,
    seen: dict[tuple[str, str], int],
    purpose: str,
) -> None:
    """Refuse a row matching an earlier household or row; the row is valid otherwise (checked
    first), and an answer naming another organisation's match is recorded and limited as on
    the registration page (`services.household_duplicates_refuse`)."""
    rows = sorted({seen[(f, v)] for f, v in checked.blind.items() if (f, v) in seen})
    seen.update({(f, v): number for f, v in checked.blind.items()})
    if checked.record["override_reason"]:
        authorize(actor, permissions.DUPLICATE_OVERRIDE.name)
        return
    services.elsewhere_answers_check(actor)
    try:
        services.household_duplicates_refuse(actor=actor, checked=checked, purpose=purpose)
    except services.DuplicateSuspected as exc:
        raise ValidationError(
            _("%(refusal)s Matching rows of this file: %(rows)s.")
            % {"refusal": exc.message, "rows": ", ".join(str(n) for n in rows)}
            if rows
            else exc.message,
            fields={"head_name": _("possible duplicate")},
        ) from None
    if rows:
        raise ValidationError(
            _(
                "This household matches row %(rows)s of this file (same head at the place, "
                "document or phone); a programme manager may import it with an override_reason."
            )
            % {"rows": ", ".join(str(n) for n in rows)},
            fields={"head_name": _("possible duplicate")},
        )
