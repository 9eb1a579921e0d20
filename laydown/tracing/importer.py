"""Markings, headstamps and packaging in bulk: one row per marking, rows of the same tag make its
set (it replaces the set recorded before), checked whole before anything is written.

Columns: tag, kind, location, text, state (weapons); tag, kind, manufacturer_code, year, calibre,
lot_number, text (ammunition lots). Exports of this form from other systems map onto them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.core import imports, validators
from laydown.core.errors import ValidationError
from laydown.core.imports import Problem
from laydown.tracing import permissions, services
from laydown.tracing.vocab import LotMarkingKind, MarkingKind, MarkingLocation, MarkingState

COLUMNS = (
    "tag",
    "kind",
    "location",
    "text",
    "state",
    "manufacturer_code",
    "year",
    "calibre",
    "lot_number",
)
LAYOUT = imports.Layout(
    columns=COLUMNS, required=("tag", "kind"), max_rows=200_000, max_bytes=20_000_000
)
COLUMN_HELP = {
    "tag": "the item's (LD-...) or lot's (LA-...) tag",
    "kind": "weapons: "
    + ", ".join(MarkingKind.values)
    + "; lots: "
    + ", ".join(LotMarkingKind.values),
    "location": "weapons: " + ", ".join(MarkingLocation.values),
    "text": "what the marking reads, as printed, any script",
    "state": "weapons: " + ", ".join(MarkingState.values) + " (empty: legible)",
    "manufacturer_code": "lots: the manufacturer's or factory's code",
    "year": "lots: year of manufacture",
    "calibre": "lots: calibre as marked",
    "lot_number": "lots: the lot number as marked",
}


@dataclass
class TagSet:
    tag: str
    lot: bool
    markings: list[dict[str, Any]] = field(default_factory=list)


def _by_column(error: ValidationError) -> ValidationError:
    """The service's `markings[0].text` named as the file's column `text`."""
    fields = {name.split("].", 1)[-1]: reason for name, reason in error.fields.items()}
    return ValidationError(error.message, fields=fields)


def markings_check(
    actor: Principal, table: imports.Table, progress: imports.Progress = imports.no_progress
) -> imports.Checked[TagSet]:
    found: dict[str, Any] = {}

    def thing(tag: str) -> Any:
        if tag not in found:
            found[tag] = services.thing_at(tag)
        return found[tag]

    def check(number: int, values: dict[str, str]) -> tuple[str, bool, dict[str, Any]]:
        tag = values.get("tag", "").strip().upper()
        located = thing(tag)
        if located is None or tag.startswith("LM-"):
            raise validators.refuse(
                "tag", _("unknown"), _("No item or lot %(t)s.") % {"t": tag or "-"}
            )
        services.authorize_at(actor, permissions.RECORD.name, located[1])
        lot = tag.startswith("LA-")
        try:
            if lot:
                marking = services.lot_marking_check(
                    0, {**values, "year": values.get("year") or None}
                )
            else:
                marking = services.marking_check(0, values)
        except ValidationError as error:
            raise _by_column(error) from error
        return tag, lot, marking

    checked = imports.rows_check(table, check, refusal_column="tag", progress=progress)
    sets: dict[str, TagSet] = {}
    first: dict[str, int] = {}
    problems = list(checked.problems)
    for number, (tag, lot, marking) in checked.entries:
        tag_set = sets.setdefault(tag, TagSet(tag, lot))
        first.setdefault(tag, number)
        tag_set.markings.append(marking)
        if len(tag_set.markings) == services.MAX_MARKINGS + 1:
            problems.append(
                Problem(
                    number,
                    "tag",
                    tag,
                    _("At most %(max)d markings; record the others in a note.")
                    % {"max": services.MAX_MARKINGS},
                )
            )
    entries = [(first[tag], tag_set) for tag, tag_set in sets.items()]
    return imports.Checked(entries, sorted(problems, key=lambda p: p.row))


def markings_write(actor: Principal, sets: Sequence[TagSet]) -> dict[str, int]:
    services.markings_record_many(actor=actor, sets=[(s.tag, s.lot, s.markings) for s in sets])
    return {"count": len(sets), "markings": sum(len(s.markings) for s in sets)}


def dump(tag_set: TagSet) -> dict[str, Any]:
    return {"tag": tag_set.tag, "lot": tag_set.lot, "markings": tag_set.markings}


def load(payload: Mapping[str, Any]) -> TagSet:
    return TagSet(payload["tag"], payload["lot"], list(payload["markings"]))


def markings_template(path: Path) -> None:
    vocabulary = [["list", "code", "meaning"]]
    for name, choices in (
        ("kind (weapons)", MarkingKind.choices),
        ("kind (lots)", LotMarkingKind.choices),
        ("location", MarkingLocation.choices),
        ("state", MarkingState.choices),
    ):
        vocabulary += [[name, code, str(label)] for code, label in choices]
    imports.template_write(
        path, LAYOUT, title="markings", help=COLUMN_HELP, sheets={"vocabulary": vocabulary}
    )
