"""The kinds of import a job can run, registered by the apps that own them (arms: items).

A kind says how to check a whole file (`check`: read it and check every row, as the
importer framework does; `params` are what the page gave beside the file), how to keep a
checked row while it waits (`dump` / `load`, JSON), and how to write a batch of them
(`write`, inside the job's transaction; it returns what to add to the job's result, which
`merge` folds in). A kind whose files hold personal data is `sealed`: the file and the
staged rows are kept encrypted (laydown.jobs.sealing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from laydown.access.permissions import Principal
from laydown.core.imports import Checked, Progress

Result = dict[str, Any]
Params = dict[str, Any]


@dataclass(frozen=True)
class ImportKind:
    name: str
    check: Callable[[Principal, str, bytes, Progress, Params], Checked[Any]]
    dump: Callable[[Any], dict[str, Any]]
    load: Callable[[dict[str, Any]], Any]
    write: Callable[[Principal, Sequence[Any]], Result]
    merge: Callable[[Result, Result], Result]
    batch: int = 2000  # rows per transaction: other writers wait at most one batch
    sealed: bool = False  # keep the file and the staged rows encrypted at rest
    # The field form (laydown.field) whose exports (ODK Central, KoBoToolbox) this kind
    # imports: each row's submission is noted as received under this form's name.
    form: str = ""
    label: Any = ""  # what the jobs page calls it (a lazy translation), else its name
    page: str = ""  # the URL name of a job's own page (taking `job`), for the jobs page


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    if _KINDS.get(kind.name, kind) is not kind:
        raise ValueError(f"import kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def find(name: str) -> ImportKind | None:
    """The kind registered as `name`, or None (a job of a kind no longer registered)."""
    return _KINDS.get(name)


def get(name: str) -> ImportKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no import kind {name!r}") from None
