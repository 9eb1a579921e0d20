"""Reporting periods: `?days=5` (the last five days) or `?from=YYYY-MM-DD&to=YYYY-MM-DD`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    start: dt.date  # inclusive
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.end - length)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00, end+1 00:00) in UTC, for datetime fields."""
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)
        return start, start + dt.timedelta(days=self.days)

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def query(self) -> str:
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


class PeriodError(ValueError):
    pass


def period_from(params: Mapping[str, str], *, default_days: int = 5) -> Period:
    """The period a request asks for; PeriodError names what is wrong."""
    today = timezone.now().date()
    if params.get("from") or params.get("to"):
        try:
            start = dt.date.fromisoformat(params.get("from") or "")
            end = dt.date.fromisoformat(params.get("to") or today.isoformat())
        except ValueError:
            raise PeriodError("dates are written YYYY-MM-DD") from None
    else:
        try:
            days = int(params.get("days") or default_days)
        except ValueError:
            raise PeriodError("days is a whole number") from None
        end, start = today, today - dt.timedelta(days=days - 1)
    if end < start:
        raise PeriodError("the period ends before it starts")
    if (end - start).days >= MAX_DAYS:
        raise PeriodError(f"a period is at most {MAX_DAYS} days")
    return Period(start, end)
