"""Periodic work run by `laydown worker`: nightly backups, the purge of finished jobs, witness
pushes, publishing the log. Each app registers what it owns (as with import kinds), so the
worker knows no app.

A piece of work is due when `every` has passed since its last start or, with `at`, once a day
after that UTC time; after a failure it is retried after `retry`, doubled after each failure in
a row, at most `max_delay` (a witness that is down is retried with back-off). The workers
claim a due run with a conditional update of its ScheduleRun row: of several workers (on one
machine or many), one runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from laydown.jobs.models import ScheduleRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    text: str = ""


@dataclass(frozen=True)
class Periodic:
    name: str
    run: Callable[[], Outcome]
    every: timedelta = timedelta(days=1)
    at: time | None = None  # daily, at this UTC time
    retry: timedelta | None = None  # after a failure (default `every`), doubled each time
    max_delay: timedelta = timedelta(minutes=5)  # longest wait between retries
    enabled: Callable[[], bool] = lambda: True


_registry: dict[str, Periodic] = {}


def register(periodic: Periodic) -> None:
    _registry[periodic.name] = periodic


def registered() -> list[Periodic]:
    return list(_registry.values())


def next_due(periodic: Periodic, run: ScheduleRun, now: datetime) -> datetime:
    """When `periodic` is next due, given its last run."""
    if run.started_at is None:
        return now
    if run.failures:
        first = periodic.retry or periodic.every
        longest = max(periodic.max_delay, first)
        delay: timedelta = min(first * 2 ** min(run.failures - 1, 20), longest)
        return run.started_at + delay
    if periodic.at is not None:
        slot = datetime.combine(now.date(), periodic.at, tzinfo=now.tzinfo)
        if slot > now:
            slot -= timedelta(days=1)
        return slot if run.started_at < slot else slot + timedelta(days=1)
    return run.started_at + periodic.every


def _claim(periodic: Periodic, now: datetime) -> ScheduleRun | None:
    run, _ = ScheduleRun.objects.get_or_create(name=periodic.name)
    if next_due(periodic, run, now) > now:
        return None
    # Only the worker that still sees the start it read moves it: the others update no row.
    claimed = ScheduleRun.objects.filter(name=run.name, started_at=run.started_at).update(
        started_at=now
    )
    if not claimed:
        return None
    run.started_at = now
    return run


def run_due(now: datetime | None = None) -> list[tuple[str, Outcome]]:
    """Run every registered piece of work that is due and enabled; return what each did."""
    done = []
    for periodic in registered():
        at = now or timezone.now()
        if not periodic.enabled():
            continue
        run = _claim(periodic, at)
        if run is None:
            continue
        try:
            outcome = periodic.run()
        except Exception as exc:  # noqa: BLE001 - recorded on its row and logged; others go on
            logger.exception("periodic work %s failed", periodic.name)
            outcome = Outcome(False, f"{type(exc).__name__}: {exc}")
        ScheduleRun.objects.filter(name=run.name).update(
            finished_at=timezone.now(),
            ok=outcome.ok,
            outcome=outcome.text[:2000],
            failures=0 if outcome.ok else run.failures + 1,
        )
        if outcome.text:
            (logger.info if outcome.ok else logger.warning)(
                "%s: %s", periodic.name, outcome.text, extra={"periodic": periodic.name}
            )
        done.append((periodic.name, outcome))
    return done
