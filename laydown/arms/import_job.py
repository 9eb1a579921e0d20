"""The items import as a background job (laydown.jobs): checked whole, then written in
batches so that registrations at the collection points never wait for a whole file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.arms import importer, register_import
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


# ---- lots and materiel (laydown.arms.register_import) ----------------------------------------


def _register_kind(register: register_import.Register, form: str) -> kinds.ImportKind:
    def check(
        actor: Principal,
        name: str,
        content: bytes,
        progress: imports.Progress,
        params: kinds.Params,
    ) -> imports.Checked[register_import.Entry]:
        table = imports.table_read(register.layout, name=name, content=content)
        return register_import.register_check(register, actor, table, progress)

    def write(actor: Principal, entries: Sequence[register_import.Entry]) -> kinds.Result:
        done = register_import.register_write(register, actor=actor, entries=entries)
        return {"count": done.count, "first_tag": done.first_tag, "last_tag": done.last_tag}

    def merge(before: kinds.Result, batch: kinds.Result) -> kinds.Result:
        return {
            "count": before["count"] + batch["count"],
            "first_tag": before["first_tag"],
            "last_tag": batch["last_tag"],
        }

    return kinds.register(
        kinds.ImportKind(
            name=f"arms.{register.name}",
            check=check,
            dump=lambda entry: {"site": entry.site, "data": entry.data, "tag": entry.tag},
            load=lambda payload: register_import.Entry(**payload),
            write=write,
            merge=merge,
            form=form,  # its exports: the hand-in form's
        )
    )


LOTS = _register_kind(register_import.LOTS, "arms.lot")
MATERIEL = _register_kind(register_import.MATERIEL, "arms.materiel")
