"""Exports of ODK Central and KoBoToolbox read as import files (docs/import.md, "Exports").

A file whose header is that of an export (its metadata columns give it away) is read by the
XLSForm names of its questions: group paths stripped (Central joins them with `-`, KoBo with
`/`), metadata columns ignored, one-column-per-choice columns of a select_multiple ignored (the
question's own column holds the choices, separated by spaces), a geopoint's parts left aside.
A question of a nested payload key (`contact__phone`, Laydown's own XLSForms) is the column of
its last part (`phone`); a question no column takes is ignored. Each row keeps its
submission's id (Central `KEY`, else `meta-instanceID`; KoBo `meta/rootUuid`, else `_uuid`),
which makes it idempotent: rows whose submission was received before (by
this importer or by the OpenRosa endpoint) are skipped, through the lookup that field capture
registers (`received_lookup`). Problems name the file's own column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from laydown.core.imports.problems import Problem

CENTRAL = "central"
KOBO = "kobo"

# Central's columns about the submission (not its questions), lower case.
CENTRAL_META = frozenset(
    {
        "submissiondate", "key", "parent_key", "submitterid", "submittername",
        "attachmentspresent", "attachmentsexpected", "status", "reviewstate", "deviceid",
        "edits", "formversion",
    }
)  # fmt: skip
# The questions of XLSForm's metadata types and the `meta` group, either tool.
FORM_META = frozenset(
    {
        "start", "end", "today", "deviceid", "username", "phonenumber", "simserial",
        "subscriberid", "email", "audit", "instanceid", "instancename", "deprecatedid",
        "rootuuid", "uuid", "version",
    }
)  # fmt: skip
# The submission's id, stable when it is edited: Central's KEY (meta-instanceID is the current
# version's), KoBo's meta/rootUuid when exported, else _uuid.
ID_COLUMNS = {
    CENTRAL: ("key", "meta-instanceid"),
    KOBO: ("meta/rootuuid", "_uuid", "meta/instanceid"),
}
GEOPOINT_PARTS = ("latitude", "longitude", "altitude", "accuracy")
SUBMISSION = "\x00submission"  # the row's submission id, beside the layout's columns
DEVICE_AT = "\x00device_at"  # the device's clock when the form was finished (`end`), if any

_ISO_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?"
)

# Which submission ids were received before: set by field capture (laydown.field.apps).
received_lookup: Callable[[list[str]], set[str]] | None = None


@dataclass(frozen=True)
class Export:
    """How an export's header maps to an import's columns."""

    dialect: str
    names: list[str]  # the file's own column names
    columns: list[str]  # for each column of the file: the import's column, or "" if ignored
    sources: dict[str, str]  # import column -> the file's own column name
    id_column: int  # index of the submission id's column
    id_name: str  # its name in the file
    end_column: int  # index of `end`, or -1


def dialect_of(header: list[str]) -> str | None:
    """CENTRAL, KOBO or None for an import file's header (names in lower case)."""
    names = set(header)
    if "submissiondate" in names and ({"key", "meta-instanceid"} & names):
        return CENTRAL
    if {"_uuid", "_submission_time"} <= names or {"_uuid", "_id"} <= names:
        return KOBO
    return None


def export_of(header: list[str], wanted: Iterable[str]) -> Export | None:
    """The mapping of an export's header (as the file gives it) to the `wanted` columns, or
    None if the header is not an export's."""
    lower = [h.strip().lower() for h in header]
    dialect = dialect_of(lower)
    if dialect is None:
        return None
    wanted = set(wanted)
    separator = "-" if dialect == CENTRAL else "/"
    present = set(lower)
    columns: list[str] = []
    sources: dict[str, str] = {}
    for original, name in zip(header, lower, strict=True):
        columns.append(_column(dialect, separator, name, present, wanted))
        if columns[-1]:
            sources.setdefault(columns[-1], original.strip())
    id_column = next(lower.index(c) for c in ID_COLUMNS[dialect] if c in present)
    end = next((i for i, n in enumerate(lower) if n.rsplit(separator, 1)[-1] == "end"), -1)
    return Export(
        dialect,
        [h.strip() for h in header],
        columns,
        sources,
        id_column,
        header[id_column].strip(),
        end,
    )


def _column(dialect: str, separator: str, name: str, present: set[str], wanted: set[str]) -> str:
    if not name:
        return ""
    if dialect == CENTRAL and name in CENTRAL_META:
        return ""
    if "/" in name and name.rsplit("/", 1)[0] in present:
        return ""  # one column per choice of a select_multiple: its question's column has all
    field = name.rsplit(separator, 1)[-1]
    if dialect == CENTRAL and separator in name and field in GEOPOINT_PARTS:
        return ""  # a geopoint's part (Central): no import takes a point
    if field.startswith("_") or name.startswith("meta" + separator):
        return ""  # KoBo's own columns (_id, _uuid, _index, _loc_latitude...) and `meta`
    if field in FORM_META and field not in wanted:
        return ""
    if field not in wanted and "__" in field:
        # A payload's nested key: Laydown's XLSForms name `contact.phone` `contact__phone`.
        field = field.rsplit("__", 1)[-1]
    return field if field in wanted else ""  # a question the import does not take: ignored


def submission_id(value: str) -> str | None:
    """The UUID of an instance id (`uuid:...` or bare), or None if it is not one."""
    text = value.strip()
    if text.lower().startswith("uuid:"):
        text = text[5:]
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def device_time(value: str) -> str | None:
    """An `end` time in ISO 8601 with its offset, or None if it has none."""
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.isoformat() if when.tzinfo is not None else None


def value_of(column: str, text: str, *, dates: tuple[str, ...]) -> str:
    """An export's value as the import file would hold it: for a date column, a date-time's
    date (in the offset it was given with); else the value as given (a select_multiple's
    choices stay separated by spaces, as the items' `photos` are)."""
    if column in dates:
        found = _ISO_TIME.fullmatch(text)
        if found:
            return found.group(1)
    return text


def digest(values: dict[str, str]) -> str:
    body = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Received:
    """A row's submission: its id, its digest and the device's time (or None)."""

    submission: str
    sha256: str
    device_at: str | None


def rows_of_export(
    rows: Iterator[tuple[int, dict[str, str]]],
    export: Export,
    *,
    dates: tuple[str, ...],
    submissions: dict[int, Received],
    problems: list[Problem],
    skipped: list[int],
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an export with their values converted; each row's submission noted in
    `submissions` (by row number), rows received before left out (their numbers in
    `skipped`), a missing, malformed or repeated id a problem of its row (which is checked all
    the same)."""
    id_name = export.id_name
    seen: dict[str, int] = {}
    kept: list[tuple[int, dict[str, str]]] = []
    for number, raw in rows:
        given = raw.pop(SUBMISSION, "")
        end = raw.pop(DEVICE_AT, "")
        values = {c: value_of(c, v, dates=dates) if v else v for c, v in raw.items()}
        sid = submission_id(given)
        if sid is None:
            reason = (
                _("the submission's id is missing")
                if not given
                else _("not a submission id (uuid:...)")
            )
            problems.append(Problem(number, id_name, given, reason))
        elif sid in seen:
            problems.append(
                Problem(
                    number,
                    id_name,
                    given,
                    _("the same submission as row %(row)d") % {"row": seen[sid]},
                )
            )
        else:
            seen[sid] = number
            submissions[number] = Received(sid, digest(values), device_time(end) if end else None)
        kept.append((number, values))  # checked all the same: every problem of the row is told
    known: set[str] = set()
    if received_lookup is not None:
        ids = list(seen)
        for start in range(0, len(ids), 500):
            known |= received_lookup(ids[start : start + 500])
    for number, values in kept:
        if number in submissions and submissions[number].submission in known:
            skipped.append(number)
            del submissions[number]
            continue
        yield number, values


def columns_read(layout_columns: tuple[str, ...]) -> tuple[str, ...]:
    """The columns read from an export: the layout's and the submission's id and time."""
    return (*layout_columns, SUBMISSION, DEVICE_AT)
