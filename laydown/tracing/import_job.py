"""The markings import as a background job (laydown.jobs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.core import imports
from laydown.jobs import kinds
from laydown.tracing import importer

KIND = "tracing.markings"


def _check(
    actor: Principal, name: str, content: bytes, progress: imports.Progress, params: kinds.Params
) -> imports.Checked[importer.TagSet]:
    table = imports.table_read(importer.LAYOUT, name=name, content=content)
    return importer.markings_check(actor, table, progress)


def _write(actor: Principal, sets: Sequence[importer.TagSet]) -> kinds.Result:
    return importer.markings_write(actor, sets)


def _merge(before: kinds.Result, batch: kinds.Result) -> kinds.Result:
    return {k: before.get(k, 0) + batch.get(k, 0) for k in ("count", "markings")}


def _load(payload: dict[str, Any]) -> importer.TagSet:
    return importer.load(payload)


MARKINGS = kinds.register(
    kinds.ImportKind(
        name=KIND,
        check=_check,
        dump=importer.dump,
        load=_load,
        write=_write,
        merge=_merge,
        batch=500,
        label=gettext_lazy("Import markings"),
        page="tracing:import_job",
    )
)
