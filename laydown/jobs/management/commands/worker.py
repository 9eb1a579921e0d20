"""`laydown worker`: run background jobs (imports) from the database queue, and the periodic work.

It is django-tasks' database worker (`db_worker`) with two things added: at start and every
minute it queues again the import jobs whose runner went silent (a worker killed mid-import),
which then go on from their last written batch; and every few seconds it runs the periodic
work that is due (laydown.jobs.schedule: nightly backups, the purge of finished jobs, witness
pushes), in a thread of its own.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from laydown.jobs import schedule
from laydown.jobs.services import STALLED_AFTER, jobs_resume_stalled

RESUME_EVERY = 60.0  # seconds
SCHEDULE_TICK = 2.0  # seconds between looks at what periodic work is due


class Command(BaseCommand):
    help = (
        "Run background jobs (imports) and periodic work (backups, purges, witness pushes) "
        "until stopped; resume jobs whose worker died. --batch: run what is queued and due, "
        "then exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument(
            "--resume-after",
            type=float,
            default=STALLED_AFTER.total_seconds(),
            help="seconds of silence after which a started import is taken as stalled and resumed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stalled_after = timedelta(seconds=options["resume_after"])
        self._resume()
        stop = threading.Event()
        if options["batch"]:
            self._scheduled()
        else:
            threading.Thread(target=self._resume_loop, args=(stop,), daemon=True).start()
            threading.Thread(target=self._schedule_loop, args=(stop,), daemon=True).start()
        extra = ["--batch"] if options["batch"] else []
        try:
            call_command(
                "db_worker", "--interval", str(options["interval"]), "--no-startup-delay", *extra
            )
        finally:
            stop.set()

    def _resume(self) -> None:
        for job in jobs_resume_stalled(self.stalled_after):
            self.stdout.write(f"Resumed import {job.id} ({job.kind}, {job.name}).")

    def _scheduled(self) -> None:
        for name, outcome in schedule.run_due():
            if outcome.text:
                self.stdout.write(f"{name}: {outcome.text}")

    def _schedule_loop(self, stop: threading.Event) -> None:
        while not stop.wait(SCHEDULE_TICK):
            close_old_connections()
            try:
                self._scheduled()
            except Exception:  # noqa: BLE001 - the database may be away; try again next tick
                logging.getLogger(__name__).exception("periodic work")
            finally:
                connection.close()

    def _resume_loop(self, stop: threading.Event) -> None:
        while not stop.wait(RESUME_EVERY):
            close_old_connections()
            try:
                self._resume()
            finally:
                connection.close()
