"""Periodic work of `laydown worker`: when it is due, that one worker runs it, back-off after
failures, and the purge of finished import jobs."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from laydown.jobs import schedule
from laydown.jobs.models import ImportJob, JobState, ScheduleRun
from laydown.jobs.services import jobs_purge_finished

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def ok() -> schedule.Outcome:
    return schedule.Outcome(True, "done")


def test_interval_work_is_due_every_interval_and_backs_off_after_failures() -> None:
    periodic = schedule.Periodic(
        "t", ok, every=timedelta(seconds=5), max_delay=timedelta(seconds=60)
    )
    assert schedule.next_due(periodic, ScheduleRun(name="t"), NOW) == NOW
    run = ScheduleRun(name="t", started_at=NOW)
    assert schedule.next_due(periodic, run, NOW) == NOW + timedelta(seconds=5)
    delays = []
    for failures in (1, 2, 3, 20):
        run.failures = failures
        delays.append(schedule.next_due(periodic, run, NOW) - NOW)
    assert delays == [timedelta(seconds=s) for s in (5, 10, 20, 60)]


def test_daily_work_runs_once_after_its_time_of_day() -> None:
    periodic = schedule.Periodic("t", ok, at=time(2, 0), retry=timedelta(minutes=15))
    before = ScheduleRun(name="t", started_at=datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    assert schedule.next_due(periodic, before, NOW) == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    today = ScheduleRun(name="t", started_at=datetime(2026, 11, 29, 2, 1, tzinfo=UTC))
    assert schedule.next_due(periodic, today, NOW) == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    today.failures = 1
    assert schedule.next_due(periodic, today, NOW) == today.started_at + timedelta(minutes=15)


def test_a_due_run_is_claimed_by_one_worker_and_a_failure_is_kept() -> None:
    calls: list[str] = []

    def fails() -> schedule.Outcome:
        calls.append("x")
        raise RuntimeError("disk full")

    schedule.register(schedule.Periodic("test-fails", fails, every=timedelta(minutes=1)))
    try:
        first = dict(schedule.run_due(NOW))
        second = dict(schedule.run_due(NOW))  # a second worker at the same moment
    finally:
        schedule._registry.pop("test-fails")
    assert first["test-fails"] == schedule.Outcome(False, "RuntimeError: disk full")
    assert "test-fails" not in second and calls == ["x"]
    row = ScheduleRun.objects.get(name="test-fails")
    assert (row.ok, row.failures, row.started_at) == (False, 1, NOW)


def test_a_claim_lost_to_another_worker_runs_nothing() -> None:
    periodic = schedule.Periodic("t", ok, every=timedelta(minutes=1))
    ScheduleRun.objects.create(name="t", started_at=NOW - timedelta(hours=1))
    stale = ScheduleRun.objects.get(name="t")
    ScheduleRun.objects.filter(name="t").update(started_at=NOW)  # the other worker claimed it
    assert schedule.next_due(periodic, stale, NOW) <= NOW
    assert (
        ScheduleRun.objects.filter(name="t", started_at=stale.started_at).update(started_at=NOW)
        == 0
    )
    assert schedule._claim(periodic, NOW) is None


def test_finished_import_jobs_are_purged_after_the_retention_and_others_kept() -> None:
    old = NOW - timedelta(days=40)
    kept = {}
    for state in (JobState.DONE, JobState.REFUSED, JobState.FAILED, JobState.WRITING):
        job = ImportJob.objects.create(kind="k", name=f"{state}.csv", state=state)
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=old)
        kept[state] = job.pk
    recent = ImportJob.objects.create(kind="k", name="recent.csv", state=JobState.DONE)
    jobs, _results = jobs_purge_finished(older_than=timedelta(days=30))
    assert jobs >= 3
    left = set(ImportJob.objects.values_list("pk", flat=True))
    assert left == {kept[JobState.WRITING], recent.pk}
