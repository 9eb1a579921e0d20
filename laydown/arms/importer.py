"""Bulk import of items from CSV or XLSX (format: docs/import.md; `laydown import template`).

Two phases. First every row is checked with the same checks as `services.item_collect`
(`item_fields_check`, the duplicate rule, the site and the importer's permission there), and
every problem is reported as (row, column, value, reason) without writing anything. Only a
file without problems is imported: `items_import` in ONE transaction (its records appended
in batches with `record_append_batch` and applied with bulk inserts,
`records.applies_buffered`); the pages and the command go through a background job instead
(`laydown.arms.import_job`), which calls `items_write` once per batch of staged rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of
from laydown.arms import records, selectors, services
from laydown.arms.import_sites import site_verdicts
from laydown.arms.normalise import mixed_scripts, normalise_serial
from laydown.arms.services.common import ITEM_PREFIX
from laydown.arms.vocab import Category, Condition
from laydown.core import imports, validators
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger

COLUMNS = (
    "site",
    "category",
    "make",
    "model",
    "calibre",
    "serial",
    "markings",
    "country",
    "year",
    "condition",
    "handed_in_by",
    "photos",
    "confirm_duplicate_reason",
)
REQUIRED = ("site", "category", "make", "model", "condition")
COLUMN_HELP = {
    "site": "code of the site where the item was handed in (e.g. cp-north)",
    "category": "one of the category codes on the vocabulary sheet",
    "make": "manufacturer as marked (e.g. Kalashnikov, FN Herstal)",
    "model": "model as marked (e.g. AKM, FAL)",
    "calibre": "optional (e.g. 7.62x39mm)",
    "serial": "serial number as printed, any script; empty if there is none",
    "markings": "optional: all other markings",
    "country": "optional: country of manufacture, ISO 3166 two letters",
    "year": "optional: year of manufacture (e.g. 1975)",
    "condition": "serviceable, unserviceable or unsafe",
    "handed_in_by": "optional: pseudonymous id of the person who handed it in (never a name)",
    "photos": "optional: SHA-256 of photos already uploaded, separated by spaces",
    "confirm_duplicate_reason": "only if the serial, make and model match an earlier item: why "
    "this is another weapon",
}
MAX_ROWS = 500_000
BATCH = 5000  # records per ledger batch (one signed checkpoint each)
LAYOUT = imports.Layout(
    columns=COLUMNS,
    required=REQUIRED,
    max_rows=MAX_ROWS,
    max_bytes=50 * 2**20,  # about 500,000 rows of CSV
    max_columns=160,  # an export (of ODK Central, KoBoToolbox) has many beside the questions
    unknown_refused=True,
    attachments=("photos",),  # an export names its photos' files; it does not hold them
)

Problem = imports.Problem
ImportRefused = imports.ImportRefused
Progress = imports.Progress


@dataclass(frozen=True)
class ImportResult:
    count: int
    first_tag: str
    last_tag: str
    duplicates_confirmed: int


@dataclass(frozen=True)
class Entry:
    """A checked row: its record data, what it may duplicate, and the reason it does not."""

    data: dict[str, Any]
    duplicate_of: list[str]
    reason: str


# ---- checking ------------------------------------------------------------------------------


def items_check(
    actor: Principal, table: imports.Table, progress: Progress = imports.no_progress
) -> imports.Checked[Entry]:
    """Check every row; return the record data of each and every problem found."""
    rows = list(table.rows)  # the reader stops one row past MAX_ROWS
    sites = site_verdicts(
        actor,
        (values["site"] for _n, values in rows),
        actions=("arms.import",),
        refusal=_("you may not import items at this site"),
    )
    seen: dict[tuple[str, str, str], list[int]] = {}  # normalised key -> rows of this file
    serials = [values["serial"] for _n, values in rows]
    normalised = [normalise_serial(s) for s in serials]
    earlier = selectors.registered_keys(set(normalised) - {""})
    weapon_keys: dict[tuple[str, str], tuple[str, str]] = {}  # (make, model) -> same_weapon_key
    checked: list[tuple[int, Entry]] = []
    problems: list[Problem] = []
    for done, (n, values) in enumerate(rows, start=1):
        fast = _fields_fast(values)
        if fast is None:
            clean, errors = fields_checked(values)
            problems += [Problem(n, f, values[f], e.message) for f, e in errors.items()]
            data = {"site": values["site"], **clean}
        else:
            clean = data = fast
            errors = {}
        if sites[values["site"]]:
            problems.append(Problem(n, "site", values["site"], sites[values["site"]]))
        reason = values["confirm_duplicate_reason"]
        duplicate_of: list[str] = []
        if not errors and clean["serial"]:
            serial = clean["serial"]
            pair = (clean["make"], clean["model"])
            weapon = weapon_keys.get(pair)
            if weapon is None:
                weapon = weapon_keys[pair] = selectors.same_weapon_key(*pair)
            key = (
                normalised[done - 1] if serial == serials[done - 1] else normalise_serial(serial),
                *weapon,
            )
            registered = earlier.get(key)
            rows_before = seen.get(key)
            if registered or rows_before:
                duplicate_of = (registered or []) + [f"row {r}" for r in rows_before or ()]
            if rows_before is None:
                seen[key] = [n]
            else:
                rows_before.append(n)
            if duplicate_of and not reason:
                problems.append(
                    Problem(
                        n,
                        "serial",
                        values["serial"],
                        _(
                            "possible duplicate of %(of)s; confirm with a reason in "
                            "confirm_duplicate_reason"
                        )
                        % {"of": ", ".join(duplicate_of)},
                    )
                )
        checked.append((n, Entry(data, duplicate_of, reason)))
        if done % imports.checking.PROGRESS_EVERY == 0 or done == len(rows):
            progress("check", done, len(rows))
    return imports.checked_with(table, checked, problems)


_CATEGORIES = frozenset(Category.values)
_CONDITIONS = frozenset(Condition.values)
_CONTROL = re.compile(r"[\x00-\x1f]")
# Letters of the Cyrillic block only (every letter there is named CYRILLIC ...): one script.
_CYRILLIC = re.compile(r"[\u0400-\u04ff\x00-\x40\x5b-\x60\x7b-\x7f]*")
_TEXTS = (("make", 100), ("model", 100), ("calibre", 50), ("serial", 100), ("markings", 500))


def fields_checked(
    values: dict[str, str],
) -> tuple[dict[str, Any], dict[str, ValidationError]]:
    """A row's item fields through the full checks of `item_fields_check` (its messages)."""
    return services.item_fields_check(
        category=values["category"],
        make=values["make"],
        model=values["model"],
        calibre=values["calibre"],
        serial=values["serial"],
        markings=values["markings"],
        country=values["country"],
        year=values["year"] or None,
        condition=values["condition"],
        handed_in_by=values["handed_in_by"] or None,
        photos=values["photos"].split(),
    )


def _fields_fast(values: dict[str, str]) -> dict[str, Any] | None:
    """The site and the clean data `services.item_fields_check` gives for a row, when the row
    is plainly valid; None when it may not be (then that check runs, and words any problem).

    Only ever a shortcut: it accepts a subset of what the full check accepts and returns the
    same data (tests/test_import_speed.py compares the two on random rows)."""
    category = values["category"]
    condition = values["condition"]
    if category not in _CATEGORIES or condition not in _CONDITIONS:
        return None
    if not values["make"] or not values["model"]:
        return None
    for column, limit in _TEXTS:
        text = values[column]
        if len(text) > limit or text != text.strip() or _CONTROL.search(text):
            return None
    serial = values["serial"]
    if not serial.isascii() and not _CYRILLIC.fullmatch(serial) and mixed_scripts(serial):
        return None
    country = values["country"]
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        return None
    year_text = values["year"]
    year = None
    if year_text:
        if not (year_text.isascii() and year_text.isdigit() and len(year_text) <= 4):
            return None
        year = int(year_text)
        if not services.MIN_YEAR <= year <= 2100:
            return None
    if values["photos"].split():
        return None  # photos are looked up in the file store by the full check
    handed_in_by = values["handed_in_by"] or None
    if handed_in_by is not None and not validators.PSEUDONYM.match(handed_in_by):
        return None
    return {
        "site": values["site"],
        "category": category,
        "make": values["make"],
        "model": values["model"],
        "calibre": values["calibre"],
        "serial": serial,
        "markings": values["markings"],
        "country": country.upper(),
        "year": year,
        "condition": condition,
        "photos": [],
        "handed_in_by": handed_in_by,
    }


# ---- importing -----------------------------------------------------------------------------


def items_import(
    *, actor: Principal, name: str, content: bytes, progress: Progress = imports.no_progress
) -> ImportResult:
    """Import a fully valid file in one transaction, or raise ImportRefused listing every
    problem (and write nothing)."""
    table = imports.table_read(LAYOUT, name=name, content=content)
    entries = imports.checked_or_refused(items_check(actor, table, progress))
    return imports.write_all(
        entries, lambda batch: items_write(actor=actor, entries=batch, progress=progress)
    )


def items_write(
    *, actor: Principal, entries: Sequence[Entry], progress: Progress = imports.no_progress
) -> ImportResult:
    """Write checked rows: tags allocated consecutively, records appended in batches of BATCH
    and applied with bulk inserts. The caller holds the transaction."""
    total = len(entries)
    duplicates = 0
    # The log head before the tag counter, in the order of a registration (collected_write):
    # the other order let a registration take the log head while this held the counter, each
    # then waiting for the other (PostgreSQL: deadlock detected, one of them failed).
    ledger.log_lock()
    tags = services.allocate_tags(ITEM_PREFIX, total)
    records_of: list[ledger.Entry] = []
    for tag, entry in zip(tags, entries, strict=True):
        records_of.append((records.ITEM_COLLECTED.name, {"tag": tag, **entry.data}))
        if entry.duplicate_of:
            duplicates += 1
            records_of.append(
                (
                    records.DUPLICATE_CONFIRMED.name,
                    {"item": tag, "duplicate_of": entry.duplicate_of, "reason": entry.reason},
                )
            )
    with records.applies_buffered():
        for start in range(0, len(records_of), BATCH):
            ledger.record_append_batch(
                entries=records_of[start : start + BATCH], actor=actor_of(actor)
            )
            progress("import", min(start + BATCH, len(records_of)), len(records_of))
    return ImportResult(
        count=total, first_tag=tags[0], last_tag=tags[-1], duplicates_confirmed=duplicates
    )


def items_template(path: Path) -> None:
    """Write an empty import file with its header (XLSX: with a sheet explaining the columns
    and a sheet of the vocabularies; CSV: the header only)."""
    vocabulary = [["list", "code", "meaning"]]
    vocabulary += [["category", code, str(label)] for code, label in Category.choices]
    vocabulary += [["condition", code, str(label)] for code, label in Condition.choices]
    imports.template_write(
        path, LAYOUT, title="items", help=COLUMN_HELP, sheets={"vocabulary": vocabulary}
    )
