"""What `laydown worker` does on a schedule for operations (laydown.jobs.schedule): the nightly
backup, pushing new checkpoints to the witnesses, and keeping the published copy of the log."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from laydown.jobs import schedule
from laydown.ledger import publish, selectors, witnessing
from laydown.ledger.models import Checkpoint, LogWitness
from laydown.ops import backup


def _backup() -> schedule.Outcome:
    result, removed = backup.backup_nightly(
        root=Path(settings.LAYDOWN_BACKUP_DIR),
        recipients=[
            r for r in os.environ.get("LAYDOWN_BACKUP_RECIPIENT", "").split(",") if r.strip()
        ],
        passphrase=os.environ.get("LAYDOWN_BACKUP_PASSPHRASE") or None,
        keep=settings.LAYDOWN_BACKUP_KEEP,
    )
    return schedule.Outcome(
        True, f"backed up {result.log_size} records into {result.directory}; removed {len(removed)}"
    )


def witness_push_due() -> bool:
    """Some active witness has not cosigned the newest checkpoint."""
    newest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
    if newest is None:
        return False
    return LogWitness.objects.filter(active=True, last_size__lt=newest).exists() or (
        LogWitness.objects.filter(active=True).exclude(last_status="ok").exists()
    )


def _witness_push() -> schedule.Outcome:
    with witnessing.one_pusher_at_a_time():
        results = witnessing.witness_push()
    failed = [r for r in results if r.status not in ("ok", "current", "later")]
    text = "; ".join(f"{r.witness}: {r.status} {r.detail}".strip() for r in results)
    return schedule.Outcome(not failed, text)


def _copies_behind() -> list[publish.Destination]:
    size = selectors.checkpoint_public().size
    return [c for c in publish.destinations_configured() if publish.published_size(c) != size]


def log_publish_due() -> bool:
    """A copy is configured and lags behind the served checkpoint."""
    return bool(publish.destinations_configured()) and bool(_copies_behind())


def _log_publish() -> schedule.Outcome:
    done = []
    for copy in _copies_behind():
        result = publish.log_publish(copy)
        done.append(f"published size {result.size} to {copy} ({result.written} tiles)")
    return schedule.Outcome(True, "; ".join(done))


schedule.register(
    schedule.Periodic(
        name="log-publish",
        run=_log_publish,
        every=timedelta(seconds=2),
        enabled=log_publish_due,
    )
)
schedule.register(
    schedule.Periodic(
        name="backup",
        run=_backup,
        at=settings.LAYDOWN_BACKUP_AT,
        retry=timedelta(minutes=15),
        max_delay=timedelta(hours=4),
        enabled=lambda: bool(settings.LAYDOWN_BACKUP_DIR),
    )
)
schedule.register(
    schedule.Periodic(
        name="witness-push",
        run=_witness_push,
        every=timedelta(seconds=settings.LAYDOWN_WITNESS_PUSH_EVERY),
        enabled=witness_push_due,
    )
)
