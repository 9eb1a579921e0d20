"""The registry of record kinds: each app's records.py registers what it writes.

`apply` is the only code that changes an app's projection tables; `laydown ledger replay`
calls the same function, so replaying the log into an empty database rebuilds them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def register_reset(reset: Callable[[], None]) -> None:
    """Declare how to empty an app's projection tables before a replay."""
    if reset not in _RESETS:
        _RESETS.append(reset)


def all_resets() -> list[Callable[[], None]]:
    return list(_RESETS)
