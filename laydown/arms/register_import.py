"""Bulk import of ammunition lots and of materiel from CSV or XLSX, the lists' own exports, or
exports of their field forms (format: docs/import.md; `laydown import lots|materiel FILE`).

The same two phases as the items import (laydown.arms.importer): every row is checked with the
checks of the service that registers one (`lot_fields_check`, `materiel_fields_check`), at a
site where the importer may register, and every problem reported by row, column, value and
reason; only a file without problems is written, its records appended in batches and applied
with bulk inserts. The background job (laydown.arms.import_job) calls `register_write` once per
batch of staged rows.

A row may give its `tag` (a list's export does): the lot or materiel keeps it, so labels already
on the shelves stay true. A tag registered before with the same values is left out (the same
file imported again adds nothing); with other values, or given twice, it is a problem. A row
that repeats a registered one (a lot: the same type, calibre and lot number at the same site;
materiel: one of its identifiers) is refused as a duplicate: it is registered once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal, actor_of
from laydown.arms import records, services
from laydown.arms.import_sites import site_verdicts
from laydown.arms.models import AmmoLot, Materiel
from laydown.arms.services.common import LOT_PREFIX, MATERIEL_PREFIX
from laydown.arms.services.corrections import LOT_FIELDS, MATERIEL_FIELDS
from laydown.arms.vocab import (
    COMPATIBILITY_GROUPS,
    AmmoType,
    Condition,
    HazardDivision,
    MaterielType,
    Unit,
)
from laydown.core import imports
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger

BATCH = 5000  # records per ledger batch (one signed checkpoint each)
MAX_ROWS = 200_000
EXPORT_ONLY = ("container", "status", "collected_site", "collected_at")  # where it is now
Key = tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """A checked row: its site, its record data, and its tag if the file gave one."""

    site: str
    data: dict[str, Any]
    tag: str = ""


@dataclass(frozen=True)
class ImportResult:
    count: int
    first_tag: str
    last_tag: str


@dataclass(frozen=True)
class Register:
    """One register a file can fill: its columns, how a row becomes record data, what makes
    two rows the same thing, and which record registers one."""

    name: str  # "lots", "materiel"
    refusal: Any  # a site where the importer may not register (lazy text)
    registered_before: Any  # a duplicate of a registered one (lazy text naming its %(tag)s)
    repeated: Any  # a duplicate of an earlier row (lazy text naming its %(row)d)
    prefix: str
    model: type[AmmoLot] | type[Materiel]
    record: str
    layout: imports.Layout
    help: dict[str, str]
    clean: Callable[[dict[str, str]], dict[str, Any]]  # raises the service's ValidationError
    keys: Callable[[str, dict[str, Any]], list[Key]]  # (site, data) -> its duplicate keys
    registered_keys: Callable[[list[Entry]], dict[Key, str]]  # the file's keys registered
    duplicate_column: str  # the column a duplicate is told of
    compared: tuple[str, ...]  # fields a registered tag must match to be the same
    vocabulary: list[list[str]]

    def tag_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"{self.prefix}-\d{{6}}")


# ---- the two registers ---------------------------------------------------------------------


def _photos(values: dict[str, str]) -> list[str]:
    return values["photos"].split()


def _lot_clean(values: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {f: values[f] for f in LOT_FIELDS}
    return services.lot_fields_check(
        **fields,
        handed_in_by=values["handed_in_by"] or None,
        photos=_photos(values),
    )


def _lot_keys(site: str, data: dict[str, Any]) -> list[Key]:
    if not data["lot_number"]:
        return []  # without a lot number, two lots of one calibre are told apart by nothing
    return [(site, data["type"], data["calibre"].casefold(), data["lot_number"].casefold())]


def _lots_registered(entries: list[Entry]) -> dict[Key, str]:
    """The keys of registered lots with a lot number of the file (key -> tag)."""
    numbers = {e.data["lot_number"] for e in entries if e.data["lot_number"]}
    rows = AmmoLot.objects.filter(lot_number__in=numbers).values_list(
        "tag", "collected_site_id", "type", "calibre", "lot_number"
    )
    keys: dict[Key, str] = {}
    for tag, site, type_, calibre, number in rows.iterator():
        keys.setdefault((site, type_, calibre.casefold(), number.casefold()), tag)
    return keys


def _identifiers(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def _materiel_clean(values: dict[str, str]) -> dict[str, Any]:
    return services.materiel_fields_check(
        type=values["type"],
        description=values["description"],
        quantity=values["quantity"],
        identifiers=_identifiers(values["identifiers"]),
        handed_in_by=values["handed_in_by"] or None,
        photos=_photos(values),
    )


def _materiel_keys(site: str, data: dict[str, Any]) -> list[Key]:
    return [(identifier.casefold(),) for identifier in data["identifiers"]]


def _materiel_registered(entries: list[Entry]) -> dict[Key, str]:
    """The identifiers of the file that registered materiel has (key -> tag)."""
    wanted = {k for e in entries for (k,) in _materiel_keys(e.site, e.data)}
    keys: dict[Key, str] = {}
    rows = Materiel.objects.exclude(identifiers=[]).values_list("tag", "identifiers")
    for tag, identifiers in rows.iterator():
        for identifier in identifiers:
            if identifier.casefold() in wanted:
                keys.setdefault((identifier.casefold(),), tag)
    return keys


def _vocabulary(*lists: tuple[str, Iterable[tuple[str, Any]]]) -> list[list[str]]:
    rows = [["list", "code", "meaning"]]
    for name, choices in lists:
        rows += [[name, code, str(label)] for code, label in choices]
    return rows


_SHARED_HELP = {
    "tag": "optional: the tag already on its label (as the list's export gives it); empty for "
    "a new tag",
    "site": "code of the site where it was handed in (e.g. cp-north)",
    "handed_in_by": "optional: pseudonymous id of the person who handed it in (never a name)",
    "photos": "optional: SHA-256 of photos already uploaded, separated by spaces",
}

LOTS = Register(
    name="lots",
    refusal=gettext_lazy("you may not import lots at this site"),
    registered_before=gettext_lazy(
        "the same type, calibre and lot number at this site as %(tag)s: a lot is registered once"
    ),
    repeated=gettext_lazy(
        "the same type, calibre and lot number at this site as row %(row)d: a lot is "
        "registered once"
    ),
    prefix=LOT_PREFIX,
    model=AmmoLot,
    record=records.LOT_COLLECTED.name,
    layout=imports.Layout(
        columns=("tag", "site", *LOT_FIELDS, "handed_in_by", "photos"),
        required=("site", *(f for f in LOT_FIELDS if f not in ("calibre", "lot_number"))),
        max_rows=MAX_ROWS,
        max_bytes=20 * 2**20,
        max_columns=160,  # an export (of ODK Central, KoBoToolbox) has many beside the questions
        unknown_refused=True,
        attachments=("photos",),
        ignored=EXPORT_ONLY,
    ),
    help=_SHARED_HELP
    | {
        "type": "one of the ammunition type codes on the vocabulary sheet",
        "calibre": "optional (e.g. 7.62x39mm)",
        "lot_number": "optional: the lot or batch number as marked",
        "quantity": "a whole number: rounds, pieces, or grams for bulk explosives",
        "unit": "rounds, pieces or grams",
        "hazard_division": "UN hazard division (e.g. 1.2)",
        "compatibility_group": "UN compatibility group, one letter (e.g. E)",
        "condition": "serviceable, unserviceable or unsafe",
    },
    clean=_lot_clean,
    keys=_lot_keys,
    registered_keys=_lots_registered,
    duplicate_column="lot_number",
    compared=("type", "calibre", "lot_number", "unit"),
    vocabulary=_vocabulary(
        ("type", AmmoType.choices),
        ("unit", Unit.choices),
        ("hazard_division", HazardDivision.choices),
        ("compatibility_group", [(g, g) for g in COMPATIBILITY_GROUPS]),
        ("condition", Condition.choices),
    ),
)

MATERIEL = Register(
    name="materiel",
    refusal=gettext_lazy("you may not import materiel at this site"),
    registered_before=gettext_lazy(
        "an identifier of %(tag)s: materiel is registered once, with its identifiers"
    ),
    repeated=gettext_lazy(
        "an identifier of row %(row)d: materiel is registered once, with its identifiers"
    ),
    prefix=MATERIEL_PREFIX,
    model=Materiel,
    record=records.MATERIEL_COLLECTED.name,
    layout=imports.Layout(
        columns=("tag", "site", *MATERIEL_FIELDS, "handed_in_by", "photos"),
        required=("site", "type", "description", "quantity"),
        max_rows=MAX_ROWS,
        max_bytes=20 * 2**20,
        max_columns=160,
        unknown_refused=True,
        attachments=("photos",),
        ignored=EXPORT_ONLY,
    ),
    help=_SHARED_HELP
    | {
        "type": "one of the materiel type codes on the vocabulary sheet",
        "description": "what it is (e.g. Toyota pick-up, white)",
        "quantity": "a whole number of pieces",
        "identifiers": "optional: plate, chassis or serial numbers, separated by ; or one a line",
    },
    clean=_materiel_clean,
    keys=_materiel_keys,
    registered_keys=_materiel_registered,
    duplicate_column="identifiers",
    compared=("type", "description"),
    vocabulary=_vocabulary(("type", MaterielType.choices)),
)


# ---- checking ------------------------------------------------------------------------------


def _registered(register: Register, entries: list[Entry]) -> tuple[dict[str, Any], dict[Key, str]]:
    """The registered rows of the tags given, and the duplicate keys already registered (key
    -> tag), looked up for the sites and values of the file only."""
    tags = sorted({e.tag for e in entries if e.tag})
    by_tag: dict[str, Any] = {}
    for start in range(0, len(tags), 500):
        for row in register.model.objects.filter(tag__in=tags[start : start + 500]):
            by_tag[row.tag] = row
    keys = register.registered_keys(entries)
    return by_tag, keys


def _same(register: Register, row: Any, entry: Entry) -> bool:
    """The registered row is the entry's: handed in at its site, or there now (a list's
    export gives where it is now), with the same values."""
    sites = {row.site_id, getattr(row, "collected_site_id", row.site_id)}
    return entry.site in sites and all(
        getattr(row, name) == entry.data[name] for name in register.compared
    )


def register_check(
    register: Register,
    actor: Principal,
    table: imports.Table,
    progress: imports.Progress = imports.no_progress,
) -> imports.Checked[Entry]:
    """Check every row; return each row's entry and every problem found. Rows whose tag is
    registered with the same values are left out (counted in `Checked.registered`)."""
    rows = list(table.rows)  # the reader stops one row past MAX_ROWS
    verdicts = site_verdicts(
        actor,
        {v["site"] for _n, v in rows},
        actions=("arms.import", "arms.item_register"),
        refusal=str(register.refusal),
    )
    pattern = register.tag_pattern()
    parsed: list[tuple[int, Entry, dict[str, str]]] = []
    problems: list[imports.Problem] = []
    for n, values in rows:
        site, tag = values["site"], values["tag"]
        if verdicts[site]:
            problems.append(imports.Problem(n, "site", site, verdicts[site]))
        if tag and not pattern.fullmatch(tag):
            example = f"{register.prefix}-000123"
            reason = _("not a tag of this register (such as %(example)s)")
            problems.append(imports.Problem(n, "tag", tag, reason % {"example": example}))
        try:
            data = register.clean(values)
        except ValidationError as exc:
            problems += imports.problems_of(exc, n, values, reasons="message")
            continue
        if not verdicts[site] and (not tag or pattern.fullmatch(tag)):
            parsed.append((n, Entry(site, data, tag), values))
    progress("check", len(rows) // 2, len(rows))
    by_tag, registered_keys = _registered(register, [e for _n, e, _v in parsed])
    checked: list[tuple[int, Entry]] = []
    tag_rows: dict[str, int] = {}
    key_rows: dict[Key, int] = {}
    known = 0
    for n, entry, values in parsed:
        if entry.tag:
            if entry.tag in tag_rows:
                reason = _("this tag is given twice: row %(row)d") % {"row": tag_rows[entry.tag]}
                problems.append(imports.Problem(n, "tag", entry.tag, reason))
                continue
            tag_rows[entry.tag] = n
            row = by_tag.get(entry.tag)
            if row is not None:
                if _same(register, row, entry):
                    known += 1  # imported before: the same file again adds nothing
                else:
                    reason = _("this tag is registered with other values")
                    problems.append(imports.Problem(n, "tag", entry.tag, reason))
                continue
        duplicate = _duplicate(register, entry, registered_keys, key_rows, n)
        if duplicate:
            column = register.duplicate_column
            problems.append(imports.Problem(n, column, values[column], duplicate))
            continue
        checked.append((n, entry))
    progress("check", len(rows), len(rows))
    return imports.checked_with(table, checked, problems, registered=known)


def _duplicate(
    register: Register, entry: Entry, registered: dict[Key, str], rows: dict[Key, int], n: int
) -> str:
    """Why the row repeats a registered one or an earlier row, or ""."""
    for key in register.keys(entry.site, entry.data):
        if key in registered:
            return str(register.registered_before) % {"tag": registered[key]}
        if key in rows:
            return str(register.repeated) % {"row": rows[key]}
    for key in register.keys(entry.site, entry.data):
        rows[key] = n
    return ""


# ---- importing -----------------------------------------------------------------------------


def register_import(
    register: Register,
    *,
    actor: Principal,
    name: str,
    content: bytes,
    progress: imports.Progress = imports.no_progress,
) -> ImportResult:
    """Import a fully valid file in one transaction, or raise ImportRefused listing every
    problem (and write nothing)."""
    table = imports.table_read(register.layout, name=name, content=content)
    entries = imports.checked_or_refused(register_check(register, actor, table, progress))
    return imports.write_all(
        entries,
        lambda batch: register_write(register, actor=actor, entries=batch, progress=progress),
    )


def register_write(
    register: Register,
    *,
    actor: Principal,
    entries: Sequence[Entry],
    progress: imports.Progress = imports.no_progress,
) -> ImportResult:
    """Write checked rows: the tags given kept, the others allocated after the highest tag
    there is, records appended in batches of BATCH and applied with bulk inserts. The caller
    holds the transaction; the tag counter stays locked until it commits."""
    if not entries:
        return ImportResult(0, "", "")
    given = [e.tag for e in entries if e.tag]
    taken = sorted(register.model.objects.filter(tag__in=given).values_list("tag", flat=True))
    if taken:  # registered since the file was checked
        raise ValidationError(
            _("%(tags)s were registered meanwhile: import the file again.")
            % {"tags": ", ".join(taken[:10])},
            fields={"tag": _("registered meanwhile")},
        )
    ledger.log_lock()  # before the counter, as a registration takes them (importer.items_write)
    (after,) = services.allocate_tags(register.prefix)  # locks the counter
    last = max([int(after.rsplit("-", 1)[1]) - 1] + [int(t.rsplit("-", 1)[1]) for t in given])
    new = iter(f"{register.prefix}-{n:06d}" for n in range(last + 1, last + len(entries) + 1))
    tags = [e.tag or next(new) for e in entries]
    batch = [
        (register.record, {"tag": tag, "site": e.site, **e.data})
        for tag, e in zip(tags, entries, strict=True)
    ]
    with records.applies_buffered():
        for start in range(0, len(batch), BATCH):
            ledger.record_append_batch(entries=batch[start : start + BATCH], actor=actor_of(actor))
            progress("import", min(start + BATCH, len(batch)), len(batch))
    return ImportResult(count=len(tags), first_tag=tags[0], last_tag=tags[-1])


def register_template(register: Register, path: Path) -> None:
    """Write an empty import file with its header (XLSX: with a sheet explaining the columns
    and a sheet of the vocabularies; CSV: the header only)."""
    imports.template_write(
        path,
        register.layout,
        title=register.name,
        help=register.help,
        sheets={"vocabulary": register.vocabulary},
    )
