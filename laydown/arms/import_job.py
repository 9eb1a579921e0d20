"""The items import as a background job (laydown.jobs): checked whole, then written in
batches so that registrations at the collection points never wait for a whole file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.arms import importer
from laydown.core import imports
from laydown.jobs import kinds

KIND = "arms.items"


def _check(
    actor: Principal,
    name: str,
    content: bytes,
    progress: imports.Progress,
    params: kinds.Params,
) -> imports.Checked[importer.Entry]:
    table = imports.table_read(importer.LAYOUT, name=name, content=content)
    return importer.items_check(actor, table, progress)


def _dump(entry: importer.Entry) -> dict[str, Any]:
    return {"data": entry.data, "duplicate_of": entry.duplicate_of, "reason": entry.reason}


def _load(payload: dict[str, Any]) -> importer.Entry:
    return importer.Entry(**payload)


def _write(actor: Principal, entries: Sequence[importer.Entry]) -> kinds.Result:
    result = importer.items_write(actor=actor, entries=entries)
    return {
        "count": result.count,
        "first_tag": result.first_tag,
        "last_tag": result.last_tag,
        "duplicates_confirmed": result.duplicates_confirmed,
    }


def _merge(before: kinds.Result, batch: kinds.Result) -> kinds.Result:
    return {
        "count": before["count"] + batch["count"],
        "first_tag": before["first_tag"],
        "last_tag": batch["last_tag"],
        "duplicates_confirmed": before["duplicates_confirmed"] + batch["duplicates_confirmed"],
    }


ITEMS = kinds.register(
    kinds.ImportKind(
        name=KIND,
        check=_check,
        dump=_dump,
        load=_load,
        write=_write,
        merge=_merge,
        form="arms.weapon",  # its exports: the weapon hand-in form's
        label=gettext_lazy("Import items"),
        page="arms:import_job",
    )
)
