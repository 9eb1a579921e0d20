"""A clock that stands still until a test moves it, for code that reads `timezone.now()`.

The sign-in throttle's waits are one and two seconds: on a busy machine one request can take
longer than that, and a test that relies on the real clock then sees the wait run out."""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import pytest
from django.utils import timezone


class FrozenClock:
    def __init__(self) -> None:
        self.moment = timezone.now()

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += dt.timedelta(seconds=seconds)


def freeze(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> FrozenClock:
    """Give `module` (which imported django.utils.timezone) a clock of its own that stands still."""
    clock = FrozenClock()
    monkeypatch.setattr(module, "timezone", clock)
    return clock
