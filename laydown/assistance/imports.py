"""Bulk import of places, distributions and households from CSV or XLSX.

Validate everything, then import: every row is checked with the services' own `*_check`
functions; if any row is wrong, the result lists each problem (row, column, value, reason) and
nothing is written. Otherwise all rows are written in one transaction, as one ledger batch.
Row numbers are those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, selectors, services
from laydown.core.errors import ValidationError

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
# Columns read from a file: the known ones and a margin for notes; further columns are ignored.
MAX_COLUMNS = max(len(DISTRIBUTION_COLUMNS), len(HOUSEHOLD_COLUMNS), len(PLACE_COLUMNS)) + 20


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(ValidationError):
    """The file as a whole cannot be read (format, size, header)."""


def read_table(*, name: str, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The non-blank rows of a CSV or XLSX file, numbered, as dicts keyed by header names.

    Rows are read one at a time and blank ones dropped, so a small file that claims a huge
    sheet (cells at A1 and XFD12000, say) is refused once it holds more than MAX_ROWS rows
    rather than padded out in memory.
    """
    if len(content) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 20 MB: split it."), fields={"file": "size"})
    if name.lower().endswith(".xlsx"):
        table = _xlsx_rows(content)
    else:
        table = _csv_rows(content)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, cells in enumerate(table, start=1):
        if header is None:
            header = [str(h or "").strip().lower() for h in cells]
            continue
        if all(c in (None, "") for c in cells):
            continue  # blank rows are skipped; the others keep the number a spreadsheet shows
        if len(rows) >= MAX_ROWS:
            raise ImportRefused(
                _("At most %(n)d rows per file: split it.") % {"n": MAX_ROWS},
                fields={"file": "rows"},
            )
        rows.append((number, {h: c for h, c in zip(header, cells, strict=False) if h}))
    if header is None:
        raise ImportRefused(_("The file is empty."), fields={"file": _("empty")})
    return rows


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            _("The CSV file is not UTF-8: save it as 'CSV UTF-8'."), fields={"file": "encoding"}
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
        yield cells[:MAX_COLUMNS]


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (openpyxl raises many kinds on a bad file)
        raise ImportRefused(
            _("The file is not a readable XLSX workbook."), fields={"file": "format"}
        ) from exc
    try:
        # A read-only sheet pads every row to the width its <dimension> claims: read only
        # the columns an import can use.
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield ["" if c is None else c for c in row]
    finally:
        book.close()


def _missing_columns(rows: list[tuple[int, dict[str, Any]]], required: Sequence[str]) -> list[str]:
    present = set().union(*(r.keys() for _n, r in rows)) if rows else set()
    return [c for c in required if c not in present]


def _problems_of(exc: ValidationError, row: int, values: Mapping[str, Any]) -> list[Problem]:
    if not exc.fields:
        return [Problem(row, "", "", exc.message)]
    problems = []
    for name in exc.fields:
        column = name.split(".")[0]
        value = values.get(column, "")
        problems.append(Problem(row, column, "" if value is None else str(value), exc.message))
    return problems


def _check_rows(
    rows: list[tuple[int, dict[str, Any]]],
    required: Sequence[str],
    check: Callable[[int, dict[str, Any]], Any],
) -> tuple[list[tuple[int, Any]], list[Problem]]:
    missing = _missing_columns(rows, required)
    if missing:
        return [], [
            Problem(1, c, "", _("This column is missing from the header.")) for c in missing
        ]
    checked, problems = [], []
    for number, row in rows:
        try:
            checked.append((number, check(number, row)))
        except ValidationError as exc:
            problems += _problems_of(exc, number, row)
        except PermissionDenied as exc:
            problems.append(Problem(number, "partner", str(row.get("partner", "")), str(exc)))
    if not checked and not problems:
        problems.append(Problem(2, "", "", _("The file has a header but no rows.")))
    return checked, problems


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
    authorize(actor, permissions.PLACE_MANAGE.name)
    rows = read_table(name=name, content=content)
    pending: dict[str, str] = {}

    def check(_number: int, row: dict[str, Any]) -> dict[str, Any]:
        data = services.place_check(row, pending=pending)
        pending[data["pcode"]] = data["level"]
        return data

    checked, problems = _check_rows(rows, ("pcode", "name", "level"), check)
    result = ImportResult(rows=len(checked) + len({p.row for p in problems}), problems=problems)
    if problems:
        return result
    with transaction.atomic():
        result.created = services.places_append(actor=actor, rows=[d for _n, d in checked])
    return result


def distributions_import(*, actor: Principal, name: str, content: bytes) -> ImportResult:
    authorize(actor, permissions.IMPORT.name)
    rows = read_table(name=name, content=content)

    def check(_number: int, row: dict[str, Any]) -> tuple[Organisation, dict[str, Any]]:
        org = _partner_of(actor, row.get("partner"), permissions.DISTRIBUTION_RECORD.name)
        return org, services.distribution_check(row)

    required = [c for c in DISTRIBUTION_COLUMNS if c not in ("partner", "over_delivery_reason")]
    checked, problems = _check_rows(rows, required, check)
    result = ImportResult(rows=len(checked) + len({p.row for p in problems}), problems=problems)
    if problems:
        return result
    with transaction.atomic():
        result.created = services.distributions_append(
            actor=actor, rows=[pair for _n, pair in checked]
        )
    return result


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
    authorize(actor, permissions.IMPORT.name)
    rows = read_table(name=name, content=content)
    seen: dict[tuple[str, str], int] = {}

    def check(number: int, row: dict[str, Any]) -> services.HouseholdInput:
        org = _partner_of(actor, row.get("partner"), permissions.HOUSEHOLD_REGISTER.name)
        checked = services.household_check(
            organisation=org,
            place=row.get("place"),
            head_name=str(row.get("head_name") or ""),
            phone=str(row.get("phone") or ""),
            document=str(row.get("document") or ""),
            members=parse_members(row.get("members")),
            override_reason=str(row.get("override_reason") or ""),
        )
        _refuse_duplicates(actor, number, checked, seen)
        return checked

    checked, problems = _check_rows(rows, ("place", "head_name", "members"), check)
    result = ImportResult(rows=len(checked) + len({p.row for p in problems}), problems=problems)
    if problems:
        return result
    with transaction.atomic():
        result.created = services.household_register_checked(
            actor=actor,
            households=[h for _n, h in checked],
            legal_basis=legal_basis,
            purpose=purpose,
            retain_until=retain_until,
        )
    return result


def _refuse_duplicates(
    actor: Principal,
    number: int,
    checked: services.HouseholdInput,
    seen: dict[tuple[str, str], int],
) -> None:
    matches = selectors.household_duplicates(checked.blind)
    rows = sorted({seen[(f, v)] for f, v in checked.blind.items() if (f, v) in seen})
    seen.update({(f, v): number for f, v in checked.blind.items()})
    if not (matches or rows):
        return
    if checked.record["override_reason"]:
        authorize(actor, permissions.DUPLICATE_OVERRIDE.name)
        return
    shown, elsewhere = selectors.duplicates_shown(actor, matches)
    what = ", ".join(shown + [_("row %(n)d") % {"n": n} for n in rows])
    message = []
    if what:
        message.append(
            _(
                "This household matches %(what)s (same head at the place, document or phone); "
                "a programme manager may import it with an override_reason."
            )
            % {"what": what}
        )
    if elsewhere:
        message.append(
            _(
                "A possible duplicate is registered by another organisation; a programme "
                "manager must decide, and may import it with an override_reason."
            )
        )
    raise ValidationError(" ".join(message), fields={"head_name": _("possible duplicate")})
