"""The set-up workbook as a background job (laydown.jobs): checked whole, then applied in one
transaction. Sealed: the file holds initial passwords."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.core import imports
from laydown.jobs import kinds
from laydown.setup import workbook

KIND = "setup.workbook"


def _check(
    actor: Principal, name: str, content: bytes, progress: imports.Progress, params: kinds.Params
) -> imports.Checked[workbook.Entry]:
    return workbook.workbook_check(actor, name, content, progress)


def _same(value: Any) -> Any:
    return value


def _write(actor: Principal, entries: Sequence[workbook.Entry]) -> kinds.Result:
    return dict(workbook.workbook_write(actor, entries))


def _merge(before: kinds.Result, batch: kinds.Result) -> kinds.Result:
    return {k: before.get(k, 0) + batch.get(k, 0) for k in {*before, *batch}}


WORKBOOK = kinds.register(
    kinds.ImportKind(
        name=KIND,
        check=_check,
        dump=_same,
        load=_same,
        write=_write,
        merge=_merge,
        batch=workbook.MAX_ROWS * len(workbook.LAYOUTS),  # one transaction: all or nothing
        sealed=True,
        label=gettext_lazy("Set-up workbook"),
        page="setup:workbook_job",
    )
)
