"""The real `laydown worker` does the periodic work: the nightly backup into
LAYDOWN_BACKUP_DIR with its retention, and pushing new checkpoints to a witness (a real
`laydown witness serve` process); the web server no longer pushes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db.models import F

from laydown.jobs.models import ScheduleRun
from laydown.ledger import publish, services, witnessing
from laydown.ledger.models import Checkpoint, LogWitness
from laydown.ops import backup
from laydown.testing.s3 import S3_ENV, s3_server
from laydown.testing.witness import WitnessProcess

pytestmark = [pytest.mark.slow, pytest.mark.worker]


def worker(env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "laydown.cli", "worker", "--batch"],
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_worker_writes_the_nightly_backup_and_keeps_the_retention(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    identity = tmp_path / "backup.key"
    made = subprocess.run(
        [sys.executable, "-m", "laydown.cli", "backup", "--keygen", str(identity)],
        env=subprocess_env,
        capture_output=True,
        text=True,
        check=True,
    )
    root = tmp_path / "backups"
    olds = [root / f"laydown-{2020 + m // 12}-{m % 12 + 1:02}-01T0200Z" for m in range(13)]
    for old in olds:  # one a month, January 2020 to January 2021
        old.mkdir(parents=True)
        (old / "manifest.json").write_text("{}")
    not_ours = root / "keep-me"
    not_ours.mkdir()
    env = {**subprocess_env, "LAYDOWN_BACKUP_DIR": str(root)}
    done = worker(env, LAYDOWN_BACKUP_RECIPIENT=made.stdout.strip())
    assert done.returncode == 0, done.stderr
    assert "backup: backed up" in done.stdout
    written = [p for p in root.iterdir() if p.name.startswith("laydown-2") and p not in olds]
    assert len(written) == 1 and (written[0] / "keys.json.age").exists()
    # retention 7,5,12: the newest of 12 months that have a backup; the two oldest go
    assert [old.exists() for old in olds] == [False, False] + [True] * 11
    assert not_ours.exists()
    assert ScheduleRun.objects.get(name="backup").ok

    again = worker(env, LAYDOWN_BACKUP_RECIPIENT=made.stdout.strip())
    assert "backup:" not in again.stdout  # once a night


def test_a_nightly_backup_without_a_recipient_fails_loudly_and_is_retried(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**subprocess_env, "LAYDOWN_BACKUP_DIR": str(tmp_path / "b")}
    env.pop("LAYDOWN_BACKUP_RECIPIENT", None)
    env.pop("LAYDOWN_BACKUP_PASSPHRASE", None)
    worker(env)
    run = ScheduleRun.objects.get(name="backup")
    assert (run.ok, run.failures) == (False, 1)
    assert "LAYDOWN_BACKUP_RECIPIENT" in run.outcome


def test_backups_kept_are_the_newest_of_each_day_week_and_month() -> None:
    start = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    taken = [start + timedelta(days=d) for d in range(400)]
    kept = backup.backups_kept(taken, (7, 5, 12))
    newest = taken[-1]
    assert all(t in kept for t in taken[-7:])
    assert len(kept) <= 7 + 5 + 12
    assert min(kept) >= newest - timedelta(days=366)
    assert backup.backups_kept(taken, (0, 0, 0)) == set()


def test_the_worker_pushes_new_checkpoints_to_the_witness(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    witness = WitnessProcess(tmp_path / "w", "witness.example/worker")
    witness.start()
    try:
        witnessing.witness_add(actor="system", vkey=witness.vkey, url=witness.url)
        services.record_append_batch(entries=[("test.sample", {"n": 1})], actor="system")
        done = worker(subprocess_env)
        assert done.returncode == 0, done.stderr
        row = LogWitness.objects.get()
        newest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
        assert (row.last_status, row.last_size) == ("ok", newest)
        witness.stop()
        services.record_append_batch(entries=[("test.sample", {"n": 2})], actor="system")
        # Due again without waiting LAYDOWN_WITNESS_PUSH_EVERY (5 s): on a quiet machine the
        # second run came sooner, found the push not due, and the outcome stayed the first one.
        ScheduleRun.objects.filter(name="witness-push").update(
            started_at=F("started_at") - timedelta(minutes=1)
        )
        worker(subprocess_env)
        run = ScheduleRun.objects.get(name="witness-push")
        assert (run.ok, run.failures) == (False, 1)  # unreachable: retried with back-off
        assert "unreachable" in run.outcome
    finally:
        witness.stop()


def test_the_worker_keeps_the_published_copy_of_the_log(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(260)], actor="system"
    )
    copy = tmp_path / "public"
    done = worker({**subprocess_env, "LAYDOWN_LOG_PUBLISH_DIR": str(copy)})
    assert done.returncode == 0, done.stderr
    assert "log-publish: published size 260" in done.stdout
    assert publish.published_size(copy) == 260 and (copy / "tile/0/000").exists()


def test_the_worker_keeps_the_bucket_copy_of_the_log_too(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(40)], actor="system"
    )
    with s3_server() as s3:
        bucket = f"s3://{s3.bucket}/log"
        env = {**subprocess_env, **S3_ENV, "AWS_ENDPOINT_URL_S3": s3.endpoint}
        copy = tmp_path / "public"
        done = worker(env, LAYDOWN_LOG_PUBLISH_BUCKET=bucket, LAYDOWN_LOG_PUBLISH_DIR=str(copy))
        assert done.returncode == 0, done.stderr
        assert f"published size 40 to {bucket}" in done.stdout
        assert publish.published_size(bucket) == 40 == publish.published_size(copy)
