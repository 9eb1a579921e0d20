"""The registry of record kinds: each app's records.py registers what it writes.

`apply` is the only code that changes an app's projection tables; `laydown ledger replay`
calls the same function, so replaying the log into an empty database rebuilds them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from laydown.ledger.models import Record

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

Apply = Callable[["Record"], None]


@dataclass(frozen=True)
class RecordKind:
    name: str
    apply: Apply | None
    description: str


_KINDS: dict[str, RecordKind] = {}


def register(name: str, *, description: str, apply: Apply | None = None) -> RecordKind:
    """Declare a record kind (`<app>.<event>`); registering one name twice is a bug."""
    if not KIND_PATTERN.match(name):
        raise ValueError(f"record kind {name!r} must look like 'app.event_name'")
    if name in _KINDS and _KINDS[name].apply is not apply:
        raise ValueError(f"record kind {name!r} is registered twice")
    kind = RecordKind(name=name, apply=apply, description=description)
    _KINDS[name] = kind
    return kind


def get(name: str) -> RecordKind | None:
    return _KINDS.get(name)


def all_kinds() -> list[RecordKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


_RESETS: list[Callable[[], None]] = []
_REPLAYED: dict[str, str] = {}
_NOT_REPLAYED: dict[str, str] = {}
_EMPTIED: list[str] = []


def register_reset(
    reset: Callable[[], None], *, models: Sequence[str] = (), emptied: Sequence[str] = ()
) -> None:
    """Declare how to empty an app's projection tables before a replay, and name them.

    `models` are the labels ("app.Model") of the tables the reset empties and the app's applies
    rebuild from the log (see `register_replayed`). `emptied` are those of them the reset
    empties entirely, every row (not the ones whose rows it keeps and the applies update in
    place): on PostgreSQL a replay empties them all with one TRUNCATE before the resets run,
    which then find them empty (see `replay._emptied_tables_truncated`).
    """
    stray = sorted(set(emptied) - set(models))
    if stray:
        raise ValueError(f"emptied tables must be among the reset's models: {stray}")
    if reset not in _RESETS:
        _RESETS.append(reset)
    register_replayed(models)
    _EMPTIED.extend(label for label in emptied if label not in _EMPTIED)


def register_replayed(models: Sequence[str]) -> None:
    """Declare tables ("app.Model") that the applies rebuild from the log: replaying into an
    empty database reproduces their rows, but for the columns declared not replayed."""
    for label in models:
        _declare(_REPLAYED, label, f"rebuilt by the applies of {label.split('.')[0]}")


def register_not_replayed(reasons: Mapping[str, str]) -> None:
    """Declare what replay does not rebuild, each with the reason why: tables ("app.Model") or
    columns of replayed tables ("app.Model.field", e.g. a password hash)."""
    for label, reason in reasons.items():
        if not reason.strip():
            raise ValueError(f"say why {label} is not replayed")
        _declare(_NOT_REPLAYED, label, reason)


def _declare(into: dict[str, str], label: str, why: str) -> None:
    if label in _REPLAYED or label in _NOT_REPLAYED:
        if into.get(label) == why:
            return  # a module imported twice declares the same thing again
        raise ValueError(f"{label} is declared twice in the replay coverage")
    into[label] = why


def all_resets() -> list[Callable[[], None]]:
    return list(_RESETS)


def all_emptied() -> list[str]:
    """The labels of the tables the resets empty entirely (`register_reset(emptied=...)`)."""
    return list(_EMPTIED)


_BUFFERED: list[Callable[[], AbstractContextManager[None]]] = []


def register_buffered_applies(factory: Callable[[], AbstractContextManager[None]]) -> None:
    """Declare a context manager under which an app's applies may keep their rows and write
    them in bulk when it ends (as imports do); replay applies records in chunks under every
    one of them. Applies of other kinds must flush what is kept first, so the result is the
    same as applying one by one."""
    if factory not in _BUFFERED:
        _BUFFERED.append(factory)


def all_buffered_applies() -> list[Callable[[], AbstractContextManager[None]]]:
    return list(_BUFFERED)


_REBUILT_AFTER: list[Callable[[], AbstractContextManager[None]]] = []


def register_rebuilt_after_replay(factory: Callable[[], AbstractContextManager[None]]) -> None:
    """Declare a context manager a replay enters before it empties the projections and leaves
    after the last apply: for what the database keeps in step with the rebuilt tables row by
    row (a full-text index fed by triggers) and can build once from the whole table far more
    cheaply. It stops the row-by-row upkeep when entered and rebuilds when left (inside the
    replay's transaction; a failed replay does not leave it, and the rollback restores all)."""
    if factory not in _REBUILT_AFTER:
        _REBUILT_AFTER.append(factory)


def all_rebuilt_after_replay() -> list[Callable[[], AbstractContextManager[None]]]:
    return list(_REBUILT_AFTER)


@dataclass(frozen=True)
class Coverage:
    """Every table, by label: rebuilt by replay, or left out with the reason why."""

    replayed: Mapping[str, str]
    not_replayed: Mapping[str, str]


def replay_coverage() -> Coverage:
    """What `laydown ledger replay` rebuilds and what it leaves out: the one list of both.

    Each app declares its tables in its records.py (`register_reset(..., models=...)` and
    `register_not_replayed`); a test checks that every installed model is in exactly one half.
    """
    return Coverage(
        replayed=dict(sorted(_REPLAYED.items())), not_replayed=dict(sorted(_NOT_REPLAYED.items()))
    )
