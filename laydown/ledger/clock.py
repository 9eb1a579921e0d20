"""The ledger's clock: the time written into each record's `at`.

It is the system clock, except inside `simulated(...)`, which the demo scenario uses to lay
five fictional days of records down in one run. Records keep their order either way: the
log's indices, not the times, are what the checkpoint commits to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_simulated: ContextVar[dt.datetime | None] = ContextVar("ledger_simulated_now", default=None)


def now() -> dt.datetime:
    return _simulated.get() or timezone.now()


@contextmanager
def simulated(at: dt.datetime) -> Iterator[None]:
    """Within this block, records are stamped `at` (demo scenarios only)."""
    if timezone.is_naive(at):
        raise ValueError("a simulated time must be timezone-aware")
    token = _simulated.set(at)
    try:
        yield
    finally:
        _simulated.reset(token)
