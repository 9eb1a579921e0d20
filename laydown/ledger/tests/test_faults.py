"""Crashes and concurrent writers: committed records survive, nothing is half-written."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from laydown.ledger import keys, selectors
from laydown.ledger.models import Checkpoint, Record
from laydown.testing.ledger import assert_log_is_whole
from laydown.verify import main as verify_main

WRITER = [sys.executable, "-m", "laydown.ledger.tests.writer"]


@pytest.mark.django_db(transaction=True)
def test_a_writer_killed_mid_batch_loses_no_committed_record_and_leaves_no_partial_one(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    batch = 10000
    committed = []
    with subprocess.Popen(
        [*WRITER, "--batches", "1000", "--batch-size", str(batch)],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        assert writer.stdout is not None
        for line in writer.stdout:
            committed.append(int(line.split()[-1]))
            if len(committed) == 3:
                break
        time.sleep(0.05)  # well inside the next batch: it takes far longer than this
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    size = selectors.log_size()
    assert size % batch == 0, "a batch was half-written"
    assert size >= committed[-1], "a committed batch was lost"
    assert Checkpoint.objects.order_by("-size").first().size == size
    assert_log_is_whole(size)
    call_command("log", "export", str(tmp_path / "log"))
    bundle = tmp_path / "log.records.jsonl"
    args = [
        str(tmp_path / "log"),
        "--key",
        keys.log_verifier_key(),
        "--quiet",
        "--records",
        str(bundle),
    ]
    assert verify_main(args) == 0


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_writer_processes_leave_a_gap_free_log(
    subprocess_env: dict[str, str],
) -> None:
    writers = [
        subprocess.Popen(
            [*WRITER, "--batches", "15", "--batch-size", str(size), "--tag", f"w{n}"],
            env=subprocess_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, size in enumerate([1, 7, 50, 200])
    ]
    for writer in writers:
        with writer:
            _out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    expected = 15 * (1 + 7 + 50 + 200)
    assert selectors.log_size() == expected
    assert_log_is_whole(expected)
    # each writer's batches are contiguous runs: nobody interleaved inside another's transaction
    actors = list(Record.objects.order_by("index").values_list("actor", flat=True))
    runs = sum(1 for i in range(1, len(actors)) if actors[i] != actors[i - 1]) + 1
    assert runs <= 60
    assert Checkpoint.objects.count() == 60
